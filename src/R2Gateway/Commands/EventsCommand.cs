using System.Text;
using R2Gateway.Events;

namespace R2Gateway.Commands;

/// <summary>
/// <c>events dead-letters</c>: the events a webhook never accepted (id, webhook, action, key).
/// <c>events replay [ID ...]</c>: puts them (all, or those named) back in the outbox; a running
/// gateway delivers them within its scan interval. <c>events pending</c>: what is waiting.
/// </summary>
public static class EventsCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, string[] args)
    {
        var outbox = services.GetRequiredService<EventOutbox>();
        outbox.EnsureCreated();
        switch (args)
        {
            case ["dead-letters"]:
                Print(outbox.Dead);
                return 0;
            case ["pending"]:
                Print(outbox.Pending);
                return 0;
            case ["replay", .. var ids]:
                var moved = outbox.Replay(ids);
                Console.WriteLine($"{moved.Count} dead letter(s) moved back to {outbox.Pending} for delivery.");
                return 0;
            default:
                await Console.Error.WriteLineAsync("usage: events dead-letters | events pending | events replay [EVENT-ID ...]");
                return 2;
        }
    }

    private static void Print(string directory)
    {
        var count = 0;
        foreach (var path in EventOutbox.List(directory))
        {
            var e = System.Text.Json.JsonSerializer.Deserialize<ObjectEvent>(File.ReadAllBytes(path), ObjectEvent.Json)!;
            Console.WriteLine(new StringBuilder().Append(e.EventId).Append('\t').Append(EventOutbox.WebhookOf(path))
                .Append('\t').Append(e.Action).Append('\t').Append(e.Subject.Key).Append('\t').Append(e.EventTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture)));
            count++;
        }

        Console.WriteLine($"{count} event(s) in {directory}");
    }
}
