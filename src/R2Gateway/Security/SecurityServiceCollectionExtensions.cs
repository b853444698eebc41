using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace R2Gateway.Security;

public static class SecurityServiceCollectionExtensions
{
    /// <summary>Bearer tokens from <c>Auth:Tokens</c>, and the loopback-only default without them.</summary>
    public static IServiceCollection AddGatewayAccessControl(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section)
            .Validate(o => o.Tokens.All(t => t.Name.Length > 0 && t.Prefixes.Count > 0 && t.Can.Count > 0 && IsHash(t.Hash)),
                "Every Auth:Tokens entry needs a Name, a Hash ('sha256:' and 64 hex digits), Prefixes and Can; 'token create' prints one.")
            .ValidateOnStart();
        services.AddAuthentication(TokenAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(TokenAuthenticationHandler.SchemeName, null);
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
