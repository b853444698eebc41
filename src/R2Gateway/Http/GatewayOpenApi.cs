namespace R2Gateway.Http;

public static class GatewayOpenApi
{
    public static IServiceCollection AddGatewayOpenApi(this IServiceCollection services)
    {
        services.AddSingleton<Microsoft.AspNetCore.Mvc.ApiExplorer.IApiDescriptionProvider, ObjectActionApiDescriptions>();
        return services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "R2Gateway";
            document.Info.Description = "The multipart API of Cloudflare's Worker example, over an S3-compatible bucket. "
                + "Every object request is /{key}?action=NAME; the key is the whole path, percent-encoded (a '/' in a key may be sent as %2F).";
            return Task.CompletedTask;
        }).AddDocumentTransformer(ObjectActionApiDescriptions.MergeActions)
          .AddOperationTransformer(ObjectActionApiDescriptions.DescribeObjectAction));
    }

    /// <summary>/openapi/v1.json and Swagger UI at /swagger; neither answers a request that carries
    /// <c>?action=</c>, which always addresses an object.</summary>
    public static WebApplication UseGatewayApiDocs(this WebApplication app)
    {
        app.MapOpenApi();
        app.UseWhen(c => !c.Request.AddressesObject(), docs => docs.UseSwaggerUI(o =>
        {
            o.SwaggerEndpoint("/openapi/v1.json", "R2Gateway");
            o.RoutePrefix = "swagger";
        }));
        return app;
    }
}
