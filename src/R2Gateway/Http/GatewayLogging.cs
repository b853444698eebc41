using Serilog;
using Serilog.Formatting.Json;

namespace R2Gateway.Http;

public static class GatewayLogging
{
    /// <summary>Serilog to the console: readable text in Development, one JSON object per line otherwise.
    /// Levels come from the <c>Serilog</c> configuration section.</summary>
    public static WebApplicationBuilder AddGatewayLogging(this WebApplicationBuilder builder)
    {
        var config = new LoggerConfiguration().ReadFrom.Configuration(builder.Configuration).Enrich.FromLogContext();
        config = builder.Environment.IsDevelopment()
            ? config.WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}")
            : config.WriteTo.Console(new JsonFormatter(renderMessage: true));
        builder.Logging.ClearProviders();
        builder.Logging.AddSerilog(config.CreateLogger(), dispose: true);
        return builder;
    }
}
