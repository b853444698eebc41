namespace R2Gateway.Http;

public static class GatewayOpenApi
{
    public static IServiceCollection AddGatewayOpenApi(this IServiceCollection services) => services.AddOpenApi();

    /// <summary>/openapi/v1.json and Swagger UI at /swagger; neither answers a request that carries
    /// <c>?action=</c>, which always addresses an object.</summary>
    public static WebApplication UseGatewayApiDocs(this WebApplication app)
    {
        app.MapOpenApi();
        app.UseWhen(c => !c.Request.Query.ContainsKey("action"), docs => docs.UseSwaggerUI(o =>
        {
            o.SwaggerEndpoint("/openapi/v1.json", "R2Gateway");
            o.RoutePrefix = "swagger";
        }));
        return app;
    }
}
