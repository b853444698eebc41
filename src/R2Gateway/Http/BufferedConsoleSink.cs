using System.Text;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Sinks.Async;

namespace R2Gateway.Http;

/// <summary>Log lines to stdout (or stderr) through one buffer behind Serilog's async queue, written when that
/// queue runs dry: under load one write(2) carries many lines, and an idle gateway still writes each line
/// at once. Serilog's console sink writes and flushes every line, a system call per request, which was
/// most of the request log's cost (benchmarks.md, "Observability cost").</summary>
internal sealed class BufferedConsoleSink(ITextFormatter formatter, bool toStandardError) : ILogEventSink, IAsyncLogEventSinkMonitor, IDisposable
{
    // Console.OpenStandard* duplicates the descriptor: disposing this writer leaves the process's stdout open.
    private readonly StreamWriter _writer = new(toStandardError ? Console.OpenStandardError() : Console.OpenStandardOutput(),
        new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 64 * 1024);

    private IAsyncLogEventSinkInspector? _queue;

    public void Emit(LogEvent logEvent)
    {
        formatter.Format(logEvent, _writer);
        if (_queue is not { Count: > 0 })
        {
            _writer.Flush();
        }
    }

    public void StartMonitoring(IAsyncLogEventSinkInspector inspector) => _queue = inspector;

    public void StopMonitoring(IAsyncLogEventSinkInspector inspector) => _queue = null;

    public void Dispose() => _writer.Dispose();
}
