using System.CommandLine;
using System.Globalization;
using R2Gateway.Storage;

namespace R2Gateway.Cli.Commands;

/// <summary><c>r2gw stat KEY</c>: an object's size, etag, HTTP and custom metadata and checksums, from a HEAD.</summary>
internal sealed class StatCommand : Command
{
    private static readonly string[] HttpHeaders = ["Content-Type", "Content-Disposition", "Cache-Control", "Content-Encoding", "Content-Language", "Expires"];

    private readonly Argument<string> _key = new("KEY") { Description = "The object's key" };

    public StatCommand(CommonOptions common)
        : base("stat", "Show an object's size, etag, metadata and checksums")
    {
        Arguments.Add(_key);
        SetAction((parse, cancellationToken) => common.RunAsync(parse, async (context, token) =>
        {
            var key = parse.GetRequiredValue(_key);
            using var head = await context.Gateway.StatAsync(key, token);
            var headers = head.Headers.Concat(head.Content.Headers).ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase);
            var httpMetadata = HttpHeaders.Where(headers.ContainsKey).ToDictionary(h => ToCamel(h), h => headers[h]);
            var customMetadata = headers.Where(h => h.Key.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase))
                .ToDictionary(h => h.Key["x-amz-meta-".Length..].ToLowerInvariant(), h => Rfc2047.Decode(h.Value));
            var etag = Etags.Normalize(head.Headers.ETag?.Tag ?? "");
            var checksums = new Dictionary<string, string>();
            if (Etags.IsMd5Hex(etag))
            {
                checksums["md5"] = etag;
            }

            foreach (var algorithm in Checksums.All)
            {
                if (headers.TryGetValue(Checksums.HeaderName(algorithm), out var value))
                {
                    checksums[Checksums.Name(algorithm)] = new ObjectChecksum(algorithm, value).Hex;
                }
            }

            var size = head.Content.Headers.ContentLength ?? 0;
            var uploaded = head.Content.Headers.LastModified;
            var lines = new List<string>
            {
                $"key: {key}",
                $"size: {size}",
                $"etag: {etag}",
                $"uploaded: {uploaded?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}",
            };
            lines.AddRange(httpMetadata.Select(m => $"{m.Key}: {m.Value}"));
            lines.AddRange(customMetadata.Select(m => $"meta {m.Key}: {m.Value}"));
            lines.AddRange(checksums.Select(c => $"checksum {c.Key}: {c.Value}"));
            if (context.Reporter.Mode != Output.OutputMode.Json)
            {
                foreach (var line in lines)
                {
                    context.Reporter.Data(line);
                }
            }

            context.Reporter.Result(null, new { key, size, etag, uploaded, httpMetadata, customMetadata, checksums });
        }, cancellationToken));
    }

    private static string ToCamel(string header) => char.ToLowerInvariant(header[0]) + header[1..].Replace("-", "", StringComparison.Ordinal);
}
