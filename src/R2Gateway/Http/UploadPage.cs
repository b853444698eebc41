namespace R2Gateway.Http;

public static class UploadPage
{
    /// <summary>The upload page and its files (wwwroot) at <c>/</c>, for requests without
    /// <c>?action=</c>; served before routing, so the catch-all object route does not shadow them.</summary>
    public static WebApplication UseUploadPage(this WebApplication app)
    {
        app.UseWhen(c => !c.Request.AddressesObject(), page => page.UseDefaultFiles().UseStaticFiles());
        return app;
    }
}
