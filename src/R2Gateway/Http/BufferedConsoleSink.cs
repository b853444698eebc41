using System.Text;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace R2Gateway.Http;

/// <summary>Log lines to stdout (or stderr) through one buffer behind Serilog's async queue, written at most
/// <see cref="FlushDelay"/> after its first line (or when it is full): under load one write(2) carries many
/// lines, and an idle gateway's line still shows at once to a person. Serilog's console sink writes and
/// flushes every line, a system call per request, which was most of the request log's cost (benchmarks.md,
/// "Observability cost"); flushing whenever the queue ran dry still wrote almost every line alone, since
/// the queue's thread keeps up with the requests.</summary>
internal sealed class BufferedConsoleSink : ILogEventSink, IDisposable
{
    public static readonly TimeSpan FlushDelay = TimeSpan.FromMilliseconds(10);

    private readonly ITextFormatter _formatter;
    private readonly StreamWriter _writer;
    private readonly Lock _lock = new();
    private readonly Timer _flush;
    private bool _pending;
    private bool _disposed;

    /// <param name="output">Console.OpenStandardOutput() or OpenStandardError(): a duplicate of the descriptor,
    /// so disposing this sink leaves the process's own stream open.</param>
    public BufferedConsoleSink(ITextFormatter formatter, Stream output)
    {
        _formatter = formatter;
        _writer = new(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 64 * 1024);
        _flush = new Timer(_ => Flush());
    }

    public void Emit(LogEvent logEvent)
    {
        lock (_lock)
        {
            _formatter.Format(logEvent, _writer);
            if (!_pending)
            {
                _pending = true;
                _flush.Change(FlushDelay, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void Flush()
    {
        lock (_lock)
        {
            _pending = false;
            if (!_disposed) // a timer callback can still run after Dispose
            {
                _writer.Flush();
            }
        }
    }

    /// <summary>Serilog's async sink disposes this after draining its queue: the last lines are written here.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _flush.Dispose();
            _writer.Dispose();
        }
    }
}
