using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace R2Gateway.Storage;

/// <summary>/readyz: the store answers.</summary>
public sealed class StoreHealthCheck(IObjectStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.CheckHealthAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"The store does not answer: {e.Message}");
        }
    }
}
