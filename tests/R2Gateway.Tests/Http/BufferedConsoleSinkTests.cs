using System.Text;
using R2Gateway.Http;
using Serilog.Events;
using Serilog.Formatting.Compact;
using Serilog.Parsing;

namespace R2Gateway.Tests.Http;

/// <summary>The Production console sink: lines that come close together leave in one write, none waits
/// longer than the flush delay, and nothing buffered is lost when the sink is disposed.</summary>
public sealed class BufferedConsoleSinkTests
{
    private static readonly MessageTemplate Template = new MessageTemplateParser().Parse("line {N}");

    private static LogEvent Line(int n) =>
        new(DateTimeOffset.UtcNow, LogEventLevel.Information, null, Template, [new LogEventProperty("N", new ScalarValue(n))]);

    [Fact]
    public async Task A_burst_of_lines_leaves_in_a_few_writes_within_the_flush_delay()
    {
        var output = new CountingStream();
        using var sink = new BufferedConsoleSink(new RenderedCompactJsonFormatter(), output);

        for (var n = 0; n < 100; n++)
        {
            sink.Emit(Line(n));
        }

        // The sink stays open: only its flush timer can write the buffer.
        for (var waited = 0; !output.Text.Contains("line 99", StringComparison.Ordinal) && waited < 5000; waited += 10)
        {
            await Task.Delay(10);
        }

        output.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().HaveCount(100);
        output.Writes.Should().BeLessThan(5, "a line per write(2) was what the request log cost");
    }

    [Fact]
    public void Disposing_writes_the_lines_still_in_the_buffer()
    {
        var output = new CountingStream();
        var sink = new BufferedConsoleSink(new RenderedCompactJsonFormatter(), output);
        sink.Emit(Line(1));

        sink.Dispose();

        output.Text.Should().Contain("line 1");
    }

    [Fact]
    public async Task Lines_from_many_threads_all_arrive_whole()
    {
        var output = new CountingStream();
        using var sink = new BufferedConsoleSink(new RenderedCompactJsonFormatter(), output);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var n = 0; n < 500; n++)
            {
                sink.Emit(Line(t * 1000 + n));
            }
        })));
        sink.Dispose();

        var numbers = output.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("N").GetInt32()).Order();
        numbers.Should().Equal(Enumerable.Range(0, 8).SelectMany(t => Enumerable.Range(t * 1000, 500)));
    }

    [Fact]
    public void Past_the_buffer_limit_the_emitting_thread_writes_the_lines_itself()
    {
        var output = new CountingStream();
        using var sink = new BufferedConsoleSink(new RenderedCompactJsonFormatter(), output);

        // One line over the limit sets no timer: only the emitting thread can have written it.
        sink.Emit(Text(new string('x', BufferedConsoleSink.MaxBufferedChars)));

        output.Writes.Should().BeGreaterThan(0);
        output.Text.Should().EndWith("\n");
    }

    [Fact]
    public void A_console_that_fails_costs_the_lines_but_not_the_caller()
    {
        using var sink = new BufferedConsoleSink(new RenderedCompactJsonFormatter(), new FailingStream());

        var emit = () => sink.Emit(Text(new string('x', BufferedConsoleSink.MaxBufferedChars)));

        emit.Should().NotThrow();
        emit.Should().NotThrow("the lines that failed are not retried forever");
    }

    private static LogEvent Text(string text) =>
        new(DateTimeOffset.UtcNow, LogEventLevel.Information, null, new MessageTemplateParser().Parse("{T}"), [new LogEventProperty("T", new ScalarValue(text))]);

    private sealed class FailingStream : MemoryStream
    {
        public override void Write(byte[] buffer, int offset, int count) => throw new IOException("Broken pipe");
    }

    private sealed class CountingStream : MemoryStream
    {
        private readonly Lock _lock = new();

        public int Writes { get; private set; }

        public string Text
        {
            get
            {
                lock (_lock)
                {
                    return Encoding.UTF8.GetString(ToArray());
                }
            }
        }

        // MemoryStream sends a derived type's span writes here too.
        public override void Write(byte[] buffer, int offset, int count)
        {
            lock (_lock)
            {
                Writes++;
                base.Write(buffer, offset, count);
            }
        }
    }
}
