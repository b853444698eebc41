using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using R2Gateway.Storage;

namespace R2Gateway.BrowserTests.Infrastructure;

/// <summary>What reached the store, by operation (UploadPart, CompleteMultipartUpload, …), whichever
/// listener it came through: the page's S3 requests go to the gateway's S3 endpoint, which the
/// Worker API's request pipeline never sees. It can hold part uploads (before their body is read),
/// so a test can pause, cancel or reload while an upload is under way.</summary>
public sealed class StoreRecorder
{
    private int _inFlight;

    public ConcurrentQueue<StoreCall> Calls { get; } = new();

    public int MaxConcurrentParts { get; private set; }

    public int PartsInFlight => Volatile.Read(ref _inFlight);

    /// <summary>The part numbers the store is receiving now (a number twice if it is being sent twice).</summary>
    public ConcurrentDictionary<int, int> PartNumbersInFlight { get; } = new();

    public Func<int, TimeSpan> PartDelay { get; set; } = _ => TimeSpan.Zero;

    public IEnumerable<StoreCall> Parts(bool succeeded = true) => Calls.Where(c => c.Operation == "UploadPart" && c.Succeeded == succeeded);

    public int Count(string operation) => Calls.Count(c => c.Operation == operation && c.Succeeded);

    /// <summary>Wraps every bucket's store, as the gateway's own decorators (events, metrics) do.</summary>
    public void AddTo(IServiceCollection services) => services.AddSingleton<IObjectStoreDecorator>(new Decorator(this));

    private sealed class Decorator(StoreRecorder recorder) : IObjectStoreDecorator
    {
        public IObjectStore Decorate(string bucket, bool isDefault, IObjectStore inner)
        {
            var proxy = DispatchProxy.Create<IObjectStore, Proxy>();
            ((Proxy)(object)proxy).Init(inner, recorder);
            return proxy;
        }
    }

    public sealed record StoreCall(string Operation, string Key, string? UploadId, int PartNumber, bool Succeeded);

    /// <summary>Forwards every call, whatever the interface holds; records the ones that return a task.</summary>
    public class Proxy : DispatchProxy
    {
        private static readonly MethodInfo WrapMethod = typeof(Proxy).GetMethod(nameof(WrapAsync), BindingFlags.NonPublic | BindingFlags.Instance)!;
        private IObjectStore _inner = null!;
        private StoreRecorder _recorder = null!;

        internal void Init(IObjectStore inner, StoreRecorder recorder) => (_inner, _recorder) = (inner, recorder);

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            var method = targetMethod!;
            var parameters = method.GetParameters();
            object? Arg(string name) => Array.FindIndex(parameters, p => p.Name == name) is var i and >= 0 ? args![i] : null;
            var call = new StoreCall(method.Name.EndsWith("Async", StringComparison.Ordinal) ? method.Name[..^5] : method.Name,
                Arg("key") as string ?? "", Arg("uploadId") as string, Arg("partNumber") as int? ?? 0, false);
            Func<object?> invoke = () => method.Invoke(_inner, args);
            if (method.ReturnType.IsGenericType && method.ReturnType.GetGenericTypeDefinition() == typeof(Task<>))
            {
                return WrapMethod.MakeGenericMethod(method.ReturnType.GetGenericArguments()[0]).Invoke(this, [call, invoke]);
            }

            return method.ReturnType == typeof(Task) ? WrapAsync<bool>(call, () => Done((Task)invoke()!)) : invoke();
        }

        private static async Task<bool> Done(Task task)
        {
            await task;
            return true;
        }

        private async Task<T> WrapAsync<T>(StoreCall call, Func<object?> invoke)
        {
            var part = call.Operation == "UploadPart";
            if (part)
            {
                var now = Interlocked.Increment(ref _recorder._inFlight);
                _recorder.PartNumbersInFlight.AddOrUpdate(call.PartNumber, 1, (_, n) => n + 1);
                lock (_recorder)
                {
                    _recorder.MaxConcurrentParts = Math.Max(_recorder.MaxConcurrentParts, now);
                }

                await Task.Delay(_recorder.PartDelay(call.PartNumber));
            }

            var succeeded = false;
            try
            {
                var result = invoke();
                var value = result is Task<T> task ? await task : (T)result!;
                succeeded = true;
                return value;
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
                throw;
            }
            finally
            {
                if (part)
                {
                    Interlocked.Decrement(ref _recorder._inFlight);
                    _recorder.PartNumbersInFlight.AddOrUpdate(call.PartNumber, 0, (_, n) => n - 1);
                }

                _recorder.Calls.Enqueue(call with { Succeeded = succeeded });
            }
        }
    }
}
