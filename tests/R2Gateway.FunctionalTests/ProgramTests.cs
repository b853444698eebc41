using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using R2Gateway.Testing;

namespace R2Gateway.FunctionalTests;

/// <summary>Program.cs itself, run in this process by WebApplicationFactory: every other in-process test
/// hosts <see cref="GatewayApp"/> directly (<see cref="GatewayFactory"/>), so only this one proves the entry
/// point builds it and puts its pipeline and endpoints in front of the store.</summary>
[Collection(nameof(ProgramTests))]
public sealed class ProgramTests
{
    [Fact]
    public async Task The_entry_point_serves_the_gateway_with_its_pipeline()
    {
        using var root = new TempDir();
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host => host
            .UseEnvironment("Testing")
            .UseSetting("Storage:FileSystem:Root", root.Path)
            .UseSetting("S3Api:Urls", "http://127.0.0.1:0"));
        using var client = factory.CreateClient();
        var api = new GatewayApi(client);

        (await client.GetAsync("/healthz")).StatusCode.Should().Be(HttpStatusCode.OK);
        await api.PutOkAsync("program/hello.txt", "hello"u8.ToArray());
        (await api.GetBytesAsync("program/hello.txt")).Should().Equal("hello"u8.ToArray());
        using var unknown = await client.GetAsync("/program/hello.txt?action=nope");
        await unknown.ShouldBeProblemAsync(HttpStatusCode.BadRequest, detailContains: "Unknown action nope for GET");
    }
}

/// <summary>Alone: WebApplicationFactory finds the host it builds through a process-wide listener, which
/// would catch any other test's gateway being built at the same time.</summary>
[CollectionDefinition(nameof(ProgramTests), DisableParallelization = true)]
public sealed class ProgramTestGroup;
