using System.Security.Cryptography;
using System.Text.Json;
using R2Gateway.Security;

namespace R2Gateway.Commands;

/// <summary>
/// <c>token create --name ci --prefix uploads/ --can write [--can read ...]</c>: makes a new token,
/// prints it once, and prints the configuration entry to paste under <c>Auth:Tokens</c>, which
/// holds only the token's hash.
/// </summary>
public static class TokenCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(IServiceProvider services, string[] args)
    {
        if (args is not ["create", .. var options])
        {
            await Console.Error.WriteLineAsync("usage: token create --name NAME --prefix PREFIX [--prefix ...] --can read|write|delete|presign [--can ...]");
            return 2;
        }

        string? name = null;
        var prefixes = new List<string>();
        var can = new List<Right>();
        for (var i = 0; i + 1 < options.Length; i += 2)
        {
            switch (options[i])
            {
                case "--name": name = options[i + 1]; break;
                case "--prefix": prefixes.Add(options[i + 1]); break;
                case "--can" when Enum.TryParse<Right>(options[i + 1], ignoreCase: true, out var p): can.Add(p); break;
                default:
                    await Console.Error.WriteLineAsync($"token create: unknown option {options[i]} {options[i + 1]}");
                    return 2;
            }
        }

        if (string.IsNullOrWhiteSpace(name) || prefixes.Count == 0 || can.Count == 0 || options.Length % 2 != 0)
        {
            await Console.Error.WriteLineAsync("token create needs --name, at least one --prefix (\"\" for every key) and at least one --can.");
            return 2;
        }

        var token = "r2gw_" + System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var entry = new { Name = name, Hash = TokenHash.Of(token), Prefixes = prefixes, Can = can.Select(c => c.ToString().ToLowerInvariant()) };
        Console.WriteLine($"Token (shown once; the gateway keeps only its hash):\n{token}\n");
        Console.WriteLine("Add this entry to Auth:Tokens in appsettings.json:");
        Console.WriteLine(JsonSerializer.Serialize(entry, Indented));
        // The same entry as environment variables, for a container (docker run -e ...); N is the
        // entry's index under Auth:Tokens, 0 for the first token.
        Console.WriteLine("\nOr, in a container, as environment variables (the first token is entry 0):");
        Console.WriteLine($"-e Auth__Tokens__0__Name={name} -e Auth__Tokens__0__Hash={entry.Hash}");
        Console.WriteLine(string.Join(' ', prefixes.Select((p, i) => $"-e Auth__Tokens__0__Prefixes__{i}={p}")
            .Concat(entry.Can.Select((c, i) => $"-e Auth__Tokens__0__Can__{i}={c}"))));
        return 0;
    }
}
