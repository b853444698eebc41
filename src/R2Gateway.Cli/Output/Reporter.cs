using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace R2Gateway.Cli.Output;

public enum OutputMode
{
    /// <summary>Progress and a summary line; a live bar on a terminal, plain lines otherwise.</summary>
    Human,

    /// <summary>Nothing but errors (and what a command exists to print, such as a URL or a listing).</summary>
    Quiet,

    /// <summary>One JSON document on stdout, for scripts.</summary>
    Json,
}

/// <summary>Everything r2gw writes: results on stdout, notes and errors on stderr, progress through Spectre.Console.</summary>
public sealed class Reporter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly TextWriter _stdout;
    private readonly TextWriter _stderr;
    private readonly IAnsiConsole _console;
    private readonly bool _terminal;

    public Reporter(TextWriter stdout, TextWriter stderr, OutputMode mode)
    {
        _stdout = stdout;
        _stderr = stderr;
        Mode = mode;
        var output = new AnsiConsoleOutput(stdout);
        // Only a real terminal gets escape sequences and a live bar; a pipe or a file gets plain lines.
        _terminal = output.IsTerminal;
        _console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = output,
            Ansi = _terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = _terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = _terminal ? InteractionSupport.Yes : InteractionSupport.No,
        });
    }

    public OutputMode Mode { get; }

    /// <summary>Runs <paramref name="work"/> under a progress display of <paramref name="total"/> bytes;
    /// the work reports byte deltas (negative when a failed attempt is taken back).</summary>
    public async Task<T> TrackAsync<T>(string description, long total, long done, Func<Action<long>, Task<T>> work)
    {
        if (Mode != OutputMode.Human)
        {
            return await work(_ => { });
        }

        return await _console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(),
                new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(description), maxValue: Math.Max(total, 1));
                task.Value = done;
                var result = await work(bytes => task.Increment(bytes));
                task.Value = task.MaxValue;
                return result;
            });
    }

    /// <summary>A human summary line (none when null), or the JSON document in <see cref="OutputMode.Json"/>.</summary>
    public void Result(string? line, object json)
    {
        switch (Mode)
        {
            case OutputMode.Json:
                _stdout.WriteLine(JsonSerializer.Serialize(json, Json));
                break;
            case OutputMode.Human when line is not null:
                _stdout.WriteLine(line);
                break;
        }
    }

    /// <summary>What the command exists to print (a URL, a listing line): shown even with --quiet.</summary>
    public void Data(string line) => _stdout.WriteLine(line);

    /// <summary>A note on the way (resuming, retrying); only for people watching.</summary>
    public void Note(string line)
    {
        if (Mode != OutputMode.Human)
        {
            return;
        }

        if (_terminal)
        {
            _console.MarkupLine($"[grey]{Markup.Escape(line)}[/]"); // above the live bar, not through it
        }
        else
        {
            _stderr.WriteLine($"r2gw: {line}");
        }
    }

    /// <summary>One line on stderr, and in JSON mode the same as a document on stdout.</summary>
    public void Error(string message, int exitCode, string? hint = null)
    {
        _stderr.WriteLine($"r2gw: error: {message}");
        if (hint is not null)
        {
            _stderr.WriteLine($"r2gw: {hint}");
        }

        if (Mode == OutputMode.Json)
        {
            _stdout.WriteLine(JsonSerializer.Serialize(new { error = new { message, exitCode, hint } }, Json));
        }
    }
}
