using System.Text.Json;
using System.Text.Json.Serialization;
using R2Gateway.Actions;
using R2Gateway.Storage;

namespace R2Gateway.Events;

/// <summary>R2's event notification actions.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EventAction>))]
public enum EventAction
{
    PutObject,
    CompleteMultipartUpload,
    CopyObject,
    DeleteObject,
    AbortMultipartUpload,
}

/// <summary>One event, in R2's notification shape (action, bucket, object, eventTime, copySource; <c>object</c> is <see cref="Subject"/>)
/// plus <c>eventId</c> (the same on every redelivery, for receivers to drop duplicates) and
/// <c>token</c>, the name of the token that made the change (never the token).</summary>
public sealed record ObjectEvent(
    string EventId,
    EventAction Action,
    string Bucket,
    [property: JsonPropertyName("object")] EventObject Subject,
    DateTimeOffset EventTime,
    string? Token,
    CopySource? CopySource = null)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);
}

/// <summary>Size and eTag are absent for a delete or an abort, as in R2's messages. A created object
/// also carries its checksums (hex, as the JSON answers show them) and custom metadata, when it has any.</summary>
public sealed record EventObject(
    string Key,
    long? Size = null,
    string? ETag = null,
    IReadOnlyDictionary<string, string>? Checksums = null,
    IReadOnlyDictionary<string, string>? CustomMetadata = null)
{
    public static EventObject Created(ObjectInfo info)
    {
        var checksums = ChecksumsJson.Of(info.ETag, info.Checksum);
        var custom = info.Metadata.Custom;
        return new(info.Key, info.Size, info.ETag,
            checksums.Count == 0 ? null : checksums,
            custom is null || custom.Count == 0 ? null : custom);
    }
}

public sealed record CopySource(string Bucket, [property: JsonPropertyName("object")] string Key);
