using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;
using R2Gateway.Http;
using R2Gateway.Storage.S3;

namespace R2Gateway.Commands;

/// <summary>
/// <c>cors apply</c>: lets the upload page's origins (<c>Cors:AllowedOrigins</c>) send their S3 requests
/// straight to the bucket with presigned URLs and read the parts' ETag, which browsers hide unless the bucket
/// exposes it. <c>cors show</c> prints the bucket's rules.
/// </summary>
public static class CorsCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, string[] args)
    {
        if (services.GetService<IAmazonS3>() is not { } s3)
        {
            await Console.Error.WriteLineAsync("cors: Storage:Provider is not S3; with the filesystem store the gateway itself answers CORS (Cors:AllowedOrigins).");
            return 2;
        }

        var options = services.GetRequiredService<IOptions<S3StoreOptions>>().Value;
        var origins = services.GetRequiredService<IConfiguration>().GetSection(CorsSettings.Section).Get<CorsSettings>()?.AllowedOrigins ?? [];
        switch (args)
        {
            case ["apply"] when origins.Length == 0:
                await Console.Error.WriteLineAsync("cors apply: set Cors:AllowedOrigins to the origins of the pages that upload (e.g. https://uploads.example.com).");
                return 2;
            case ["apply"]:
                await S3Errors.Call(() => s3.PutCORSConfigurationAsync(new PutCORSConfigurationRequest
                {
                    BucketName = options.Bucket,
                    Configuration = new CORSConfiguration
                    {
                        Rules =
                        [
                            new CORSRule
                            {
                                Id = "r2gateway-browser-uploads",
                                AllowedOrigins = [.. origins],
                                AllowedMethods = [.. GatewayCors.Methods], // the page's AwsS3 also POSTs (create, complete) and DELETEs (abort)
                                AllowedHeaders = ["*"],
                                ExposeHeaders = [.. GatewayCors.ExposedHeaders],
                                MaxAgeSeconds = 3600,
                            },
                        ],
                    },
                }), options, CancellationToken.None);
                Console.WriteLine($"Bucket '{options.Bucket}': {string.Join(", ", origins)} may GET and PUT with presigned URLs and read ETag.");
                return 0;
            case ["show"]:
                var current = await S3Errors.Call(() => s3.GetCORSConfigurationAsync(new GetCORSConfigurationRequest { BucketName = options.Bucket }), options, CancellationToken.None);
                foreach (var rule in current.Configuration?.Rules ?? [])
                {
                    Console.WriteLine($"{rule.Id}: origins {string.Join(", ", rule.AllowedOrigins ?? [])}; methods {string.Join(", ", rule.AllowedMethods ?? [])}; exposes {string.Join(", ", rule.ExposeHeaders ?? [])}");
                }

                return 0;
            default:
                await Console.Error.WriteLineAsync("usage: cors apply | cors show");
                return 2;
        }
    }
}
