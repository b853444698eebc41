using System.ComponentModel.DataAnnotations;

namespace R2Gateway.Observability;

/// <summary>The <c>Telemetry</c> section: OpenTelemetry metrics and traces, and who may scrape <c>/metrics</c>.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>Off: no meters are collected, no spans are recorded and <c>/metrics</c> is not served.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How a span names the object it touched.</summary>
    public KeyInSpans KeyInSpans { get; set; } = KeyInSpans.Key;

    /// <summary>Serve <c>/metrics</c> only on connections to this local port (add the port to <c>Urls</c>); 0 = any.</summary>
    [Range(0, 65535)]
    public int MetricsPort { get; set; }

    /// <summary><c>sha256:&lt;hex&gt;</c> of a bearer token a scraper must send (<c>token create</c> makes one); empty = none.</summary>
    public string? MetricsTokenHash { get; set; }
}

public enum KeyInSpans
{
    /// <summary>The key itself, as in the request log.</summary>
    Key,

    /// <summary>A SHA-256 of the key (first 16 bytes, hex): the same key always looks the same.</summary>
    Hash,

    /// <summary>No key at all.</summary>
    None,
}
