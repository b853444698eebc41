using R2Gateway.Http;
using R2Gateway.Storage;

namespace R2Gateway.Security;

/// <summary>Checks the gateway's own presigned URLs on object actions: a request that carries a
/// signature is served only if the signature holds for exactly this request and has not expired.</summary>
public sealed class PresignedUrlFilter(GatewayUrlSigner? signer = null) : IEndpointFilter
{
    public const string VerifiedItem = "r2gw.presigned";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!GatewayUrlSigner.IsPresigned(http.Request))
        {
            return await next(context);
        }

        if (signer is null)
        {
            return ContractErrors.Problem(StoreErrorCode.AccessDenied, "This gateway does not issue presigned URLs of its own: with the S3 store they point at the bucket.");
        }

        var refusal = signer.Verify(http.Request, ObjectKey.FromRequest(http).Value);
        if (refusal is not null)
        {
            return ContractErrors.Problem(StoreErrorCode.AccessDenied, refusal);
        }

        http.Items[VerifiedItem] = true;
        return await next(context);
    }
}
