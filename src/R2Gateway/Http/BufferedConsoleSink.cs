using System.Globalization;
using System.Text;
using Serilog.Core;
using Serilog.Debugging;
using Serilog.Events;
using Serilog.Formatting;

namespace R2Gateway.Http;

/// <summary>Log lines to stdout (or stderr), written at most <see cref="FlushDelay"/> after the first line
/// waiting (or when <see cref="MaxBufferedChars"/> wait): under load one write(2) carries many lines, and an
/// idle gateway's line still shows at once to a person. The emitting thread formats its line and appends it
/// to a buffer; a timer writes the buffer. No queue and no thread to wake per line: Serilog's async sink
/// woke its thread for nearly every request, an eighth of a HEAD's CPU (benchmarks.md, "The request log
/// without a hand-off"). Serilog's console sink writes and flushes every line, a system call per request.</summary>
internal sealed class BufferedConsoleSink : ILogEventSink, IDisposable
{
    public static readonly TimeSpan FlushDelay = TimeSpan.FromMilliseconds(10);

    /// <summary>Past this many waiting characters the emitting thread writes them itself: a console that stops
    /// reading slows the requests that log, rather than losing their lines or growing without bound.</summary>
    public const int MaxBufferedChars = 1 << 20;

    [ThreadStatic]
    private static StringWriter? t_line;

    private readonly ITextFormatter _formatter;
    private readonly StreamWriter _writer;
    private readonly Lock _bufferLock = new(); // the lines waiting
    private readonly Lock _writeLock = new(); // one writer at a time, so lines leave in order
    private readonly Timer _flush;
    private StringBuilder _waiting = new();
    private StringBuilder _writing = new();
    private bool _timerSet;
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
        var line = t_line ??= new StringWriter(CultureInfo.InvariantCulture);
        var text = line.GetStringBuilder().Clear();
        _formatter.Format(logEvent, line); // outside the lock: requests on other threads format at the same time
        bool full;
        lock (_bufferLock)
        {
            if (_disposed)
            {
                return;
            }

            _waiting.Append(text);
            full = _waiting.Length >= MaxBufferedChars;
            if (!full && !_timerSet)
            {
                _timerSet = true;
                _flush.Change(FlushDelay, Timeout.InfiniteTimeSpan);
            }
        }

        if (full)
        {
            Flush();
        }
    }

    /// <param name="last">From Dispose: the lines taken here are the last, so no line can arrive after them unwritten.</param>
    private void Flush(bool last = false)
    {
        lock (_writeLock)
        {
            if (_disposed) // a timer callback can still run after Dispose
            {
                return;
            }

            StringBuilder lines;
            lock (_bufferLock)
            {
                (lines, _waiting, _writing) = (_waiting, _writing, _waiting);
                _timerSet = false;
                _disposed = last;
            }

            if (lines.Length > 0)
            {
                Guarded(() =>
                {
                    _writer.Write(lines);
                    _writer.Flush();
                });
                lines.Clear();
            }

            if (last)
            {
                _flush.Dispose();
                Guarded(_writer.Dispose);
            }
        }
    }

    private static void Guarded(Action write)
    {
        try
        {
            write();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // A closed console must not take the gateway down (this runs on a timer); the lines are lost with it.
            SelfLog.WriteLine("Log lines could not be written to the console: {0}", e.Message);
        }
    }

    /// <summary>Serilog disposes its sinks with the logger, when the host stops: the last lines are written here.</summary>
    public void Dispose() => Flush(last: true);
}
