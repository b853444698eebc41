using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace R2Gateway.Tests.Http;

/// <summary>The CORS middleware asks for a policy provider on every request; the gateway's app hands out one.</summary>
public sealed class GatewayCorsTests
{
    [Fact]
    public async Task Every_request_scope_gets_the_same_policy_provider()
    {
        await using var app = GatewayApp.CreateBuilder(["--Storage:FileSystem:Root=" + Path.Combine(Path.GetTempPath(), "r2gw-" + Guid.NewGuid())]).Build();
        using var first = app.Services.CreateScope();
        using var second = app.Services.CreateScope();

        var provider = first.ServiceProvider.GetRequiredService<ICorsPolicyProvider>();

        provider.Should().BeOfType<DefaultCorsPolicyProvider>();
        second.ServiceProvider.GetRequiredService<ICorsPolicyProvider>().Should().BeSameAs(provider);
    }
}
