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
