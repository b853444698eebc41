using System.Net.Http.Headers;
using System.Text.Json;
using R2Gateway.Cli.Tests.Infrastructure;
using R2Gateway.Testing;

namespace R2Gateway.Cli.Tests;

/// <summary>The bash + curl + jq recipes in examples/curl, run against a live gateway that fails
/// every fourth part request (curl's --retry has to earn its place), their results read back.</summary>
[Trait("Needs", "Clients")]
public sealed class CurlRecipeTests() : OwnGatewayTest(4)
{
    [Fact]
    public async Task The_multipart_recipe_sends_the_parts_in_parallel_and_completes_an_object_equal_to_the_file()
    {
        var file = CliGateway.RandomFile(Dir.Path, "video.mp4", 23 * GatewayApi.MiB);
        var key = GatewayApi.UniqueKey("my video.mp4");
        Gateway.Recorder.PartDelay = _ => TimeSpan.FromMilliseconds(500); // a 5 MiB part alone can finish before xargs starts the next

        var answer = await RecipeAsync("multipart-upload.sh", file, key, "5", "4");

        answer.GetProperty("etag").GetString().Should().EndWith("-5");
        await ShouldHoldAsync(key, await File.ReadAllBytesAsync(file));
        Gateway.Recorder.MaxConcurrentParts.Should().BeGreaterThan(1, "xargs -P sends parts side by side");
    }

    [Fact]
    public async Task The_put_recipe_uploads_in_one_request_and_checks_the_etag_against_md5sum()
    {
        var file = CliGateway.RandomFile(Dir.Path, "photo.png", 300_000);
        var key = GatewayApi.UniqueKey("photo.png");

        var answer = await RecipeAsync("put.sh", file, key);

        answer.GetProperty("etag").GetString().Should().Be(GatewayApi.Md5Hex(await File.ReadAllBytesAsync(file)));
        await ShouldHoldAsync(key, await File.ReadAllBytesAsync(file));
    }

    [Fact]
    public async Task The_ranged_get_recipe_writes_exactly_the_bytes_asked_for_and_fails_past_the_end()
    {
        var key = GatewayApi.UniqueKey("ranged.bin");
        var data = GatewayApi.RandomBytes(100_000);
        await Gateway.Api.PutOkAsync(key, data);
        var output = Path.Combine(Dir.Path, "slice.bin");

        await RecipeAsync("ranged-get.sh", key, "1000", "1999", output);
        var (exitCode, text) = await RunAsync("ranged-get.sh", key, "200000", "200010", output + ".past-the-end");

        (await File.ReadAllBytesAsync(output)).Should().Equal(data[1000..2000]);
        exitCode.Should().NotBe(0);
        text.Should().Contain("InvalidRange");
    }

    [Fact]
    public async Task The_presigned_put_recipe_uploads_with_the_url_and_the_headers_the_gateway_signed()
    {
        var file = CliGateway.RandomFile(Dir.Path, "notes.txt", 50_000);
        var key = GatewayApi.UniqueKey("notes.txt");

        await RecipeAsync("presigned-put.sh", file, key, "300");

        await ShouldHoldAsync(key, await File.ReadAllBytesAsync(file), "text/plain");
    }

    private Task<(int ExitCode, string Output)> RunAsync(string script, params string[] args) =>
        ProcessRunner.RunAsync("bash", [Path.Combine(ProcessRunner.RepositoryRoot, "examples", "curl", script), .. args], Dir.Path,
            new Dictionary<string, string> { ["GW"] = Gateway.BaseAddress.ToString().TrimEnd('/'), ["CONTENT_TYPE"] = "text/plain" });

    /// <summary>Runs a recipe that must succeed; returns the JSON answer it printed last.</summary>
    private async Task<JsonElement> RecipeAsync(string script, params string[] args)
    {
        var (exitCode, output) = await RunAsync(script, args);
        exitCode.Should().Be(0, output);
        var json = output.Split('\n').LastOrDefault(l => l.StartsWith('{'));
        return json is null ? default : JsonDocument.Parse(json).RootElement;
    }

    private async Task ShouldHoldAsync(string key, byte[] expected, string contentType = "text/plain")
    {
        using var response = await Gateway.Api.GetAsync(key);
        response.EnsureSuccessStatusCode();
        GatewayApi.Md5Hex(await response.Content.ReadAsByteArrayAsync()).Should().Be(GatewayApi.Md5Hex(expected));
        response.Content.Headers.ContentType.Should().Be(MediaTypeHeaderValue.Parse(contentType));
    }
}
