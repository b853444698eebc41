using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;
using R2Gateway.Storage;
using R2Gateway.Storage.S3;

namespace R2Gateway.Commands;

/// <summary>
/// <c>lifecycle apply</c>: puts a rule on the bucket that aborts multipart uploads left unfinished
/// for <c>Storage:AbortIncompleteUploadsAfter</c> (rounded up to whole days; R2's default is 7),
/// keeping the bucket's other rules. <c>lifecycle show</c> prints the bucket's rules. The S3
/// counterpart of the filesystem store's sweeper.
/// </summary>
public static class LifecycleCommand
{
    public const string RuleId = "r2gateway-abort-incomplete-uploads";

    public static async Task<int> RunAsync(IServiceProvider services, string[] args)
    {
        if (services.GetService<IAmazonS3>() is not { } s3)
        {
            await Console.Error.WriteLineAsync("lifecycle: Storage:Provider is not S3; the filesystem store aborts old uploads itself (Storage:AbortIncompleteUploadsAfter).");
            return 2;
        }

        var options = services.GetRequiredService<IOptions<S3StoreOptions>>().Value;
        var days = (int)Math.Ceiling(services.GetRequiredService<IOptions<StorageOptions>>().Value.AbortIncompleteUploadsAfter.TotalDays);
        switch (args)
        {
            case ["apply"]:
                var rules = (await GetRulesAsync(s3, options)).Where(r => r.Id != RuleId).ToList();
                rules.Add(new LifecycleRule
                {
                    Id = RuleId,
                    Status = LifecycleRuleStatus.Enabled,
                    Filter = new LifecycleFilter { LifecycleFilterPredicate = new LifecyclePrefixPredicate { Prefix = "" } },
                    AbortIncompleteMultipartUpload = new LifecycleRuleAbortIncompleteMultipartUpload { DaysAfterInitiation = Math.Max(days, 1) },
                });
                await S3Errors.Call(() => s3.PutLifecycleConfigurationAsync(new PutLifecycleConfigurationRequest
                {
                    BucketName = options.Bucket,
                    Configuration = new LifecycleConfiguration { Rules = rules },
                }), options, CancellationToken.None);
                Console.WriteLine($"Bucket '{options.Bucket}': unfinished multipart uploads are aborted {Math.Max(days, 1)} days after they start (rule '{RuleId}').");
                return 0;
            case ["show"]:
                foreach (var rule in await GetRulesAsync(s3, options))
                {
                    Console.WriteLine($"{rule.Id}: {rule.Status}, abort incomplete uploads after {rule.AbortIncompleteMultipartUpload?.DaysAfterInitiation?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} days");
                }

                return 0;
            default:
                await Console.Error.WriteLineAsync("usage: lifecycle apply | lifecycle show");
                return 2;
        }
    }

    private static async Task<List<LifecycleRule>> GetRulesAsync(IAmazonS3 s3, S3StoreOptions options)
    {
        try
        {
            var response = await S3Errors.Call(() => s3.GetLifecycleConfigurationAsync(new GetLifecycleConfigurationRequest { BucketName = options.Bucket }), options, CancellationToken.None);
            return response.Configuration?.Rules ?? [];
        }
        catch (ContractException e) when (e.InnerException is AmazonS3Exception { ErrorCode: "NoSuchLifecycleConfiguration" })
        {
            return [];
        }
    }
}
