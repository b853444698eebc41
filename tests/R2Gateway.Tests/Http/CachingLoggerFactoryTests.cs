using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace R2Gateway.Tests.Http;

/// <summary>The gateway's logger factory hands out one logger per category, so a handler built per request
/// (ASP.NET Core's authentication handlers) does not build a logger, and Serilog's caches, with it.</summary>
public sealed class CachingLoggerFactoryTests
{
    [Fact]
    public async Task Asking_twice_for_one_category_gives_the_same_logger()
    {
        await using var app = GatewayApp.CreateBuilder(["--Storage:FileSystem:Root=" + Path.Combine(Path.GetTempPath(), "r2gw-" + Guid.NewGuid())]).Build();
        var factory = app.Services.GetRequiredService<ILoggerFactory>();

        factory.CreateLogger("R2Gateway.Security.TokenAuthenticationHandler")
            .Should().BeSameAs(factory.CreateLogger("R2Gateway.Security.TokenAuthenticationHandler"));
        factory.CreateLogger("one").Should().NotBeSameAs(factory.CreateLogger("two"));
        app.Services.GetServices<ILoggerFactory>().Should().ContainSingle("Serilog's factory is wrapped, not registered beside the wrapper");
    }
}
