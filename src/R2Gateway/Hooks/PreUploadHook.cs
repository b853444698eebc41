using System.ComponentModel.DataAnnotations;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using R2Gateway.Events;
using R2Gateway.Storage;

namespace R2Gateway.Hooks;

/// <summary>The <c>Hooks:PreUpload</c> section: an HTTP endpoint asked before an upload is accepted.</summary>
public sealed class PreUploadHookOptions
{
    public const string Section = "Hooks:PreUpload";

    /// <summary>With none, no hook is called.</summary>
    public Uri? Url { get; set; }

    /// <summary>When set, calls are signed like webhook events (X-R2GW-Signature, X-R2GW-Timestamp).</summary>
    public string? Secret { get; set; }

    [Range(typeof(TimeSpan), "00:00:00.010", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Accept the upload when the hook times out or fails. Off: such an upload is refused (503).</summary>
    public bool AllowOnFailure { get; set; }
}

/// <summary>What the hook is asked. <c>action</c> is PutObject, CreateMultipartUpload or
/// CompleteMultipartUpload; <c>size</c> is absent for a create or a chunked put; a complete carries
/// the final size; <c>token</c> is the token's name.</summary>
public sealed record PreUploadRequest(
    string Action,
    string Bucket,
    string Key,
    long? Size,
    string? ContentType,
    ObjectMetadata? Metadata,
    string? Token);

/// <summary>The hook's answer: allow, or not with a reason; on allow, optionally another key (put and
/// create only, within the token's prefixes) and metadata to store instead of the request's.</summary>
public sealed record PreUploadVerdict(bool Allow, string? Reason = null, string? Key = null, ObjectMetadata? Metadata = null);

public sealed class PreUploadHook(IHttpClientFactory clients, IOptions<PreUploadHookOptions> options)
{
    public const string ClientName = "r2gw-pre-upload-hook";

    private static readonly JsonSerializerOptions Json = new(ObjectEvent.Json);

    public bool Enabled => options.Value.Url is not null;

    /// <summary>The verdict, or the reason the hook could not give one (it timed out, failed or answered nonsense).</summary>
    public async Task<(PreUploadVerdict? Verdict, string? Failure)> AskAsync(PreUploadRequest request, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.Timeout);
        try
        {
            using var response = await clients.CreateClient(ClientName).PostAsJsonAsync(settings.Url, request, Json, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                return (null, $"the pre-upload hook answered {(int)response.StatusCode}");
            }

            var verdict = await response.Content.ReadFromJsonAsync<PreUploadVerdict>(Json, timeout.Token);
            return verdict is null ? (null, "the pre-upload hook answered no verdict") : (verdict, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, $"the pre-upload hook did not answer within {settings.Timeout.TotalSeconds:0.###} s");
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or NotSupportedException)
        {
            return (null, "the pre-upload hook could not be reached or answered malformed JSON");
        }
    }
}
