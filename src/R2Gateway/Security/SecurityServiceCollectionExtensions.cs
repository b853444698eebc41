using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace R2Gateway.Security;

public static class SecurityServiceCollectionExtensions
{
    public const string Scheme = "r2gw";

    /// <summary>Bearer tokens from <c>Auth:Tokens</c>, and the loopback-only default without them.</summary>
    public static IServiceCollection AddGatewayAccessControl(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section)
            .Validate(o => o.Tokens.All(t => t.Name.Length > 0 && t.Prefixes.Count > 0 && t.Can.Count > 0 && IsHash(t.Hash)),
                "Every Auth:Tokens entry needs a Name, a Hash ('sha256:' and 64 hex digits), Prefixes and Can; 'token create' prints one.")
            .Validate(o => o.Tokens.All(t => t.Buckets.All(b => b == "*" || Storage.BucketNames.IsValid(b))),
                "Auth:Tokens Buckets must be bucket names (3-63 of a-z, 0-9, '-') or '*'.")
            .ValidateOnStart();
        // One default scheme that picks: the gateway's presigned URL when the request carries one, else the bearer token.
        services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, null, o => o.ForwardDefaultSelector = context =>
                GatewayUrlSigner.IsPresigned(context.Request) ? PresignedUrlAuthenticationHandler.SchemeName : TokenAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(TokenAuthenticationHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, PresignedUrlAuthenticationHandler>(PresignedUrlAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddGatewayPolicies();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationHandler, ObjectAccessHandler>();
        services.AddHostedService<AnonymousAccessGuard>();
        return services;
    }

    /// <summary>Why the gateway must not start (invalid settings, or exposed without tokens), or
    /// null. Checked before Kestrel binds, so a refused start never held the port.</summary>
    public static string? StartRefusal(this WebApplication app)
    {
        try
        {
            // Every ValidateOnStart option (hook and webhook URLs, bucket name, ...) refused in one line, not a stack trace.
            app.Services.GetService<IStartupValidator>()?.Validate();
            var auth = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
            return AnonymousAccessGuard.RefusalBeforeStart(app.Configuration, auth);
        }
        catch (OptionsValidationException e)
        {
            return e.Message;
        }
    }

    private static bool IsHash(string hash)
    {
        try
        {
            return TokenHash.Parse(hash).Length == 32;
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            return false;
        }
    }
}
