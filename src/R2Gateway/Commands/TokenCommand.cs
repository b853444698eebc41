using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using R2Gateway.S3Api;
using R2Gateway.Security;

namespace R2Gateway.Commands;

/// <summary>
/// <c>token create --name ci --prefix uploads/ --can write [--can read ...] [--bucket photos ...] [--json]</c>: makes a new
/// token and an S3 access key, prints them once, and prints the configuration entry to paste under
/// <c>Auth:Tokens</c>, which holds only the token's hash and the S3 secret protected by the gateway's
/// Data Protection key ring (S3Api:KeysPath).
/// </summary>
public static class TokenCommand
{
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static async Task<int> RunAsync(IServiceProvider services, string[] args)
    {
        if (args is not ["create", .. var options])
        {
            await Console.Error.WriteLineAsync("usage: token create --name NAME --prefix PREFIX [--prefix ...] --can read|write|delete|presign [--can ...] [--bucket NAME|* ...]");
            return 2;
        }

        string? name = null;
        var prefixes = new List<string>();
        var can = new List<Right>();
        var buckets = new List<string>();
        var json = options.Contains("--json");
        options = options.Where(o => o != "--json").ToArray();
        for (var i = 0; i + 1 < options.Length; i += 2)
        {
            switch (options[i])
            {
                case "--name": name = options[i + 1]; break;
                case "--prefix": prefixes.Add(options[i + 1]); break;
                case "--bucket" when options[i + 1] == "*" || Storage.BucketNames.IsValid(options[i + 1]): buckets.Add(options[i + 1]); break;
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
        var (accessKeyId, secret, protectedSecret) = S3Credentials.Create(services.GetRequiredService<IDataProtectionProvider>());
        var entry = new
        {
            Name = name, Hash = TokenHash.Of(token), Buckets = buckets.Count == 0 ? null : buckets, Prefixes = prefixes, Can = can.Select(c => c.ToString().ToLowerInvariant()),
            AccessKeyId = accessKeyId, SecretAccessKey = protectedSecret,
        };
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new { token, accessKeyId, secretAccessKey = secret, config = entry }, Indented));
            return 0;
        }

        Console.WriteLine($"Token (shown once; the gateway keeps only its hash):\n{token}\n");
        Console.WriteLine($"S3 access key (shown once; the gateway keeps the secret encrypted with its key ring in {S3ApiServiceCollectionExtensions.KeysPath(services.GetRequiredService<IConfiguration>())}):");
        Console.WriteLine($"  aws_access_key_id = {accessKeyId}\n  aws_secret_access_key = {secret}\n");
        Console.WriteLine("Add this entry to Auth:Tokens in appsettings.json:");
        Console.WriteLine(JsonSerializer.Serialize(entry, Indented));
        // The same entry as environment variables, for a container (docker run -e ...); N is the
        // entry's index under Auth:Tokens, 0 for the first token.
        Console.WriteLine("\nOr, in a container, as environment variables (the first token is entry 0):");
        Console.WriteLine($"-e Auth__Tokens__0__Name={name} -e Auth__Tokens__0__Hash={entry.Hash}");
        Console.WriteLine(string.Join(' ', prefixes.Select((p, i) => $"-e Auth__Tokens__0__Prefixes__{i}={p}")
            .Concat(buckets.Select((b, i) => $"-e Auth__Tokens__0__Buckets__{i}={b}"))
            .Concat(entry.Can.Select((c, i) => $"-e Auth__Tokens__0__Can__{i}={c}"))));
        return 0;
    }
}
