using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using R2Gateway.S3Api;
using R2Gateway.Testing;

namespace R2Gateway.FunctionalTests.S3Api;

/// <summary>The S3 endpoint's clock check on requests signed in their Authorization header, as AWSSDK.S3
/// signs them with the real time: the gateway's clock is a FakeTimeProvider, moved instead of waited for.</summary>
public sealed class S3ClockSkewTests : IAsyncLifetime, IDisposable
{
    private readonly TempDir _root = new();
    private FakeTimeProvider _clock = null!;
    private FileSystemGateway? _gateway;
    private (string AccessKeyId, string Secret) _key;
    private string _bearer = "";

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?>();
        var (accessKeyId, secret, bearer) = await S3GatewayFixture.CreateTokenAsync(_root.Path, settings, 0, "all", "", [], "read", "write", "delete");
        _key = (accessKeyId, secret);
        _bearer = bearer;
        _clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        _gateway = FileSystemGateway.OnRoot(_root.Path, settings, s => s.AddSingleton<TimeProvider>(_clock));
    }

    public Task DisposeAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _gateway?.Dispose();
        _gateway = null;
        _root.Dispose();
    }

    [Fact]
    public async Task A_request_signed_now_is_accepted_until_the_gateways_clock_is_more_than_15_minutes_ahead()
    {
        using var client = Client();
        // Margins of a minute either side of 15: the SDK signs with the real clock, which moves on while the test runs.
        _clock.SetUtcNow(DateTimeOffset.UtcNow);
        (await PutAsync(client, "skew/now")).Should().Be(HttpStatusCode.OK);

        _clock.Advance(TimeSpan.FromMinutes(14));
        (await PutAsync(client, "skew/14-minutes")).Should().Be(HttpStatusCode.OK, "14 minutes is within the allowed skew");

        _clock.Advance(TimeSpan.FromMinutes(2));
        var refused = await FluentActions.Awaiting(() => PutAsync(client, "skew/16-minutes")).Should().ThrowAsync<AmazonS3Exception>();
        refused.Which.ErrorCode.Should().Be("RequestTimeTooSkewed");
        refused.Which.StatusCode.Should().Be(HttpStatusCode.Forbidden);

        using var worker = new HttpClient { BaseAddress = _gateway!.BaseAddress };
        worker.DefaultRequestHeaders.Authorization = new("Bearer", _bearer);
        (await new GatewayApi(worker).GetBytesAsync("skew/16-minutes")).Should().BeNull("a refused request stores nothing");
        (await new GatewayApi(worker).GetBytesAsync("skew/14-minutes")).Should().Equal(Body);
    }

    private static readonly byte[] Body = "signed now"u8.ToArray();

    private static async Task<HttpStatusCode> PutAsync(AmazonS3Client client, string key) =>
        (await client.PutObjectAsync(new PutObjectRequest { BucketName = "r2gateway", Key = key, InputStream = new MemoryStream(Body) })).HttpStatusCode;

    // No clock skew correction and no retries: the SDK would otherwise learn the gateway's clock from the refusal and sign again.
    private AmazonS3Client Client() => S3GatewayFixture.SdkClient(_gateway!.Services.GetRequiredService<S3ApiServer>().Addresses.Single(), _key,
        configure: config =>
        {
            config.DisableClockSkewCorrection = true;
            config.MaxErrorRetry = 0;
        });
}
