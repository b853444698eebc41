using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using R2Gateway.Testing;

namespace R2Gateway.FunctionalTests.Oracle;

/// <summary>Keys with odd characters, and the inputs where the gateway deviates on purpose.</summary>
public sealed partial class OracleTests
{
    [Theory]
    [InlineData("caf%C3%A9.txt")]
    [InlineData("a%20b%20c")]
    [InlineData("a+b=c&d")]
    [InlineData("q%3Fx%23y%25z")]
    [InlineData("dir/")]
    [InlineData("%F0%9F%98%80")]
    [InlineData("it's%20(1)%5B2%5D!~*")]
    [InlineData("back%5Cslash")]
    [InlineData("a%2Fb")]
    [InlineData("deep/er/and/deeper/still.bin")]
    [InlineData("x/%2E%2E%2Fy")]
    public Task Keys_with_odd_characters_round_trip(string name)
    {
        var path = NewPath(name);
        return ShouldAgreeAsync(async side =>
        {
            await side.UploadAsync(path, Small);
            await side.GetAsync(path);
            await side.DeleteAsync(path);
            await side.GetAsync(path);
        });
    }

    [Fact]
    public Task A_key_with_a_dot_segment_is_a_key_of_its_own_on_the_gateway()
    {
        var path = NewPath("x/%2E%2E/y");
        var resolved = path.Replace("x/%2E%2E/", "", StringComparison.Ordinal);
        return ShouldAgreeAsync(async side =>
        {
            await side.UploadAsync(path, Tiny);
            await side.GetAsync(path);
            await side.GetAsync(resolved, new Deviation(200, 404, "the gateway never resolves dot segments: x/../y is a key, not y"));
        });
    }

    [Fact]
    public Task A_key_over_1024_bytes_deviates()
    {
        var path = "/" + new string('k', 1025);
        return ShouldAgreeAsync(async side =>
        {
            await side.CreateAsync(path, new Deviation(500, 400, "the Worker does not catch the binding's error; the gateway answers 400 KeyTooLongError"));
        });
    }

    [Fact]
    public Task A_key_with_a_control_character_deviates()
    {
        var path = NewPath("a%01b");
        return ShouldAgreeAsync(async side =>
        {
            await side.CreateAsync(path, new Deviation(200, 400, "the Worker keeps the key percent-encoded; decoded, it holds a control character, which the contract refuses"));
        });
    }

    [Fact]
    public Task The_empty_key_deviates()
    {
        return ShouldAgreeAsync(async side =>
        {
            await side.CreateAsync("/", new Deviation(200, 400, "the contract refuses the empty key"));
        });
    }

    [Fact]
    public Task A_part_number_with_a_fraction_deviates()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            var id = await side.CreateAsync(path);
            await side.PartAsync(path, id, "1.5", Tiny, new Deviation(200, 400, "the Worker's parseInt reads 1.5 as 1; the gateway wants an integer"));
            await side.PartAsync(path, id, "1", Tiny);
        });
    }

    [Fact]
    public Task The_actions_the_contract_adds_are_unknown_to_the_Worker()
    {
        var path = NewPath();
        return ShouldAgreeAsync(async side =>
        {
            await side.SendAsync("put", HttpMethod.Put, $"{path}?action=put", new ByteArrayContent(Tiny), deviation: new Deviation(400, 200, "put is the contract's addition"));
            await side.SendAsync("list", HttpMethod.Get, $"{path}?action=list", deviation: new Deviation(400, 200, "list is the contract's addition"));
            await side.SendAsync("head", HttpMethod.Head, $"{path}?action=get", deviation: new Deviation(405, 200, "HEAD is the contract's addition"));
        });
    }

    [Fact]
    public Task A_part_with_its_correct_Content_MD5_is_accepted()
    {
        var path = NewPath();
        var md5 = Convert.ToBase64String(MD5.HashData(Small));
        return ShouldAgreeAsync(async side =>
        {
            var id = await side.CreateAsync(path);
            var one = await side.PartAsync(path, id, "1", Small, configure: r => r.Content!.Headers.Add("Content-MD5", md5));
            await side.CompleteAsync(path, id, [(1, one)]);
            await side.GetAsync(path);
        });
    }

    /// <summary>R2 checks Content-MD5 on a part (BadDigest); the Worker never hands the header to the binding.
    /// The store rewrite (branch storev2) adds the check.</summary>
    [Fact]
    public Task A_part_with_a_wrong_Content_MD5_is_refused_by_the_gateway()
    {
        var path = NewPath();
        var wrong = Convert.ToBase64String(MD5.HashData(Tiny));
        return ShouldAgreeAsync(async side =>
        {
            var id = await side.CreateAsync(path);
            await side.PartAsync(path, id, "1", Small, new Deviation(200, 400, "the Worker ignores Content-MD5; R2 (and the gateway) answer BadDigest"),
                r => r.Content!.Headers.Add("Content-MD5", wrong));
        });
    }

    /// <summary>R2's part limit, 5 GiB − 5 MiB (the simulator's R2Limits.MAX_VALUE_SIZE, which it applies to
    /// put only, an action the Worker lacks): a part declared one byte larger is refused before its body
    /// is read. Gateway only: the Worker would have to be sent 5 GiB. The store rewrite (branch storev2)
    /// brings the limit down from 5 GiB.</summary>
    [Fact]
    public async Task A_part_declared_one_byte_over_R2s_limit_is_413_before_its_body()
    {
        const long maxPart = 5L * 1024 * 1024 * 1024 - 5 * 1024 * 1024;
        var api = new GatewayApi(oracle.Gateway.Client);
        var key = GatewayApi.UniqueKey();
        var id = await api.CreateAsync(key);

        using var request = await PartialRequest.StartAsync(oracle.Gateway.Client, "PUT",
            GatewayApi.Url(key, "mpu-uploadpart", $"uploadId={Uri.EscapeDataString(id)}&partNumber=1"), maxPart + 1, 0);
        var buffer = new byte[512];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        int read;
        try
        {
            read = await request.Stream.ReadAsync(buffer, timeout.Token);
        }
        catch (OperationCanceledException)
        {
            read = 0;
        }

        Encoding.ASCII.GetString(buffer, 0, read).Should().StartWith("HTTP/1.1 413", "a part over R2's limit is refused at once");
    }
}
