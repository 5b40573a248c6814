using System.Collections.Concurrent;
using System.Net;
using Dapr.Client;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Runtime = Dapr.Client.Autogen.Grpc.v1;

namespace BuildingBlocks.Tests.Dapr;

/// <summary>
/// An in-process test double of the Dapr sidecar's gRPC API (daprd cannot run here), serving the
/// calls the adapters make: PublishEvent, GetState/SaveState/DeleteState with ETags, and the alpha
/// lock API. Its semantics follow daprd with state.redis and lock.redis: an ETag mismatch is gRPC
/// Aborted (what DaprClient's Try* methods turn into false), a lock is SET-if-absent with an expiry,
/// and only its owner can unlock it. Unknown component names are rejected like daprd does.
/// </summary>
/// <remarks>
/// Dapr.Protos ships only the client stub, so the service is bound by hand with the protocol's
/// method names and the generated message types.
/// </remarks>
public sealed class DaprRuntimeDouble : IAsyncDisposable
{
    private const string ServiceName = "dapr.proto.runtime.v1.Dapr";

    private readonly HashSet<string> _components;
    private readonly ConcurrentQueue<PublishedMessage> _published = new();
    private readonly ConcurrentQueue<string> _unimplemented = new();
    private readonly Dictionary<(string Store, string Key), (ByteString Value, long Version)> _state = [];
    private readonly Dictionary<(string Store, string Resource), (string Owner, DateTimeOffset Expires)> _locks = [];
    private long _version;
    private WebApplication? _host;

    private DaprRuntimeDouble(IEnumerable<string> components) => _components = [.. components];

    /// <summary>The address of the gRPC endpoint (http://127.0.0.1:port, HTTP/2 cleartext).</summary>
    public string Address { get; private set; } = "";

    public IReadOnlyCollection<PublishedMessage> Published => [.. _published];

    /// <summary>Methods a client called that the double does not serve (helps diagnose SDK changes).</summary>
    public IReadOnlyCollection<string> UnimplementedCalls => [.. _unimplemented];

    public static async Task<DaprRuntimeDouble> StartAsync(params string[] components)
    {
        var runtime = new DaprRuntimeDouble(components);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(runtime);
        builder.Services.AddSingleton<IServiceMethodProvider<DaprRuntimeDouble>, MethodProvider>();

        var app = builder.Build();
        app.MapGrpcService<DaprRuntimeDouble>();
        app.Use(async (context, next) =>
        {
            await next(context);
            if (context.Response.Headers["grpc-status"] == ((int)StatusCode.Unimplemented).ToString())
            {
                runtime._unimplemented.Enqueue(context.Request.Path);
            }
        });
        await app.StartAsync();

        runtime._host = app;
        runtime.Address = app.Urls.Single();
        return runtime;
    }

    /// <summary>A DaprClient that talks to this double instead of a sidecar.</summary>
    public DaprClient CreateClient() => new DaprClientBuilder().UseGrpcEndpoint(Address).UseHttpEndpoint(Address).Build();

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            await _host.DisposeAsync();
        }
    }

    private void RequireComponent(string name)
    {
        if (!_components.Contains(name))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"component {name} is not found"));
        }
    }

    private Task<Empty> PublishEvent(Runtime.PublishEventRequest request, ServerCallContext context)
    {
        RequireComponent(request.PubsubName);
        _published.Enqueue(new PublishedMessage(request.PubsubName, request.Topic, request.Data.ToByteArray(),
            request.DataContentType, new Dictionary<string, string>(request.Metadata)));
        return Task.FromResult(new Empty());
    }

    private Task<Runtime.GetStateResponse> GetState(Runtime.GetStateRequest request, ServerCallContext context)
    {
        RequireComponent(request.StoreName);
        lock (_state)
        {
            // A missing key is not an error: empty data and no ETag.
            return Task.FromResult(_state.TryGetValue((request.StoreName, request.Key), out var entry)
                ? new Runtime.GetStateResponse { Data = entry.Value, Etag = entry.Version.ToString() }
                : new Runtime.GetStateResponse());
        }
    }

    private Task<Empty> SaveState(Runtime.SaveStateRequest request, ServerCallContext context)
    {
        RequireComponent(request.StoreName);
        lock (_state)
        {
            foreach (var item in request.States)
            {
                CheckETag(request.StoreName, item.Key, item.Etag, item.Options);
                _state[(request.StoreName, item.Key)] = (item.Value, ++_version);
            }
        }

        return Task.FromResult(new Empty());
    }

    private Task<Empty> DeleteState(Runtime.DeleteStateRequest request, ServerCallContext context)
    {
        RequireComponent(request.StoreName);
        lock (_state)
        {
            CheckETag(request.StoreName, request.Key, request.Etag, request.Options);
            _state.Remove((request.StoreName, request.Key));
        }

        return Task.FromResult(new Empty());
    }

    // Like state.redis: a given ETag must name the stored version (a missing key has none); first-write
    // without an ETag means "only if absent". daprd reports a mismatch as Aborted.
    private void CheckETag(string store, string key, Runtime.Etag? etag, Runtime.StateOptions? options)
    {
        var exists = _state.TryGetValue((store, key), out var current);
        var mismatch = etag is { Value.Length: > 0 }
            ? !exists || current.Version.ToString() != etag.Value
            : exists && options?.Concurrency == Runtime.StateOptions.Types.StateConcurrency.ConcurrencyFirstWrite;
        if (mismatch)
        {
            throw new RpcException(new Status(StatusCode.Aborted, $"failed saving state in state store {store}: possible etag mismatch"));
        }
    }

    private Task<Runtime.TryLockResponse> TryLock(Runtime.TryLockRequest request, ServerCallContext context)
    {
        RequireComponent(request.StoreName);
        if (request.ExpiryInSeconds <= 0 || request.ResourceId.Length == 0 || request.LockOwner.Length == 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "resourceId, lockOwner and a positive expiryInSeconds are required"));
        }

        var now = DateTimeOffset.UtcNow;
        lock (_locks)
        {
            // SET NX PX: taken while unexpired, even by the same owner.
            if (_locks.TryGetValue((request.StoreName, request.ResourceId), out var held) && held.Expires > now)
            {
                return Task.FromResult(new Runtime.TryLockResponse { Success = false });
            }

            _locks[(request.StoreName, request.ResourceId)] = (request.LockOwner, now.AddSeconds(request.ExpiryInSeconds));
            return Task.FromResult(new Runtime.TryLockResponse { Success = true });
        }
    }

    private Task<Runtime.UnlockResponse> Unlock(Runtime.UnlockRequest request, ServerCallContext context)
    {
        RequireComponent(request.StoreName);
        var now = DateTimeOffset.UtcNow;
        lock (_locks)
        {
            var key = (request.StoreName, request.ResourceId);
            var status = !_locks.TryGetValue(key, out var held) || held.Expires <= now
                ? Runtime.UnlockResponse.Types.Status.LockDoesNotExist
                : held.Owner != request.LockOwner
                    ? Runtime.UnlockResponse.Types.Status.LockBelongsToOthers
                    : Runtime.UnlockResponse.Types.Status.Success;
            if (status == Runtime.UnlockResponse.Types.Status.Success)
            {
                _locks.Remove(key);
            }

            return Task.FromResult(new Runtime.UnlockResponse { Status = status });
        }
    }

    private sealed class MethodProvider : IServiceMethodProvider<DaprRuntimeDouble>
    {
        public void OnServiceMethodDiscovery(ServiceMethodProviderContext<DaprRuntimeDouble> context)
        {
            Add<Runtime.PublishEventRequest, Empty>(context, "PublishEvent", (runtime, request, call) => runtime.PublishEvent(request, call));
            Add<Runtime.GetStateRequest, Runtime.GetStateResponse>(context, "GetState", (runtime, request, call) => runtime.GetState(request, call));
            Add<Runtime.SaveStateRequest, Empty>(context, "SaveState", (runtime, request, call) => runtime.SaveState(request, call));
            Add<Runtime.DeleteStateRequest, Empty>(context, "DeleteState", (runtime, request, call) => runtime.DeleteState(request, call));
            Add<Runtime.TryLockRequest, Runtime.TryLockResponse>(context, "TryLockAlpha1", (runtime, request, call) => runtime.TryLock(request, call));
            Add<Runtime.UnlockRequest, Runtime.UnlockResponse>(context, "UnlockAlpha1", (runtime, request, call) => runtime.Unlock(request, call));
        }

        private static void Add<TRequest, TResponse>(ServiceMethodProviderContext<DaprRuntimeDouble> context, string name,
            UnaryServerMethod<DaprRuntimeDouble, TRequest, TResponse> handler)
            where TRequest : class, IMessage<TRequest>, new()
            where TResponse : class, IMessage<TResponse>, new()
        {
            var method = new Method<TRequest, TResponse>(MethodType.Unary, ServiceName, name,
                Marshallers.Create(message => message.ToByteArray(), new MessageParser<TRequest>(() => new TRequest()).ParseFrom),
                Marshallers.Create(message => message.ToByteArray(), new MessageParser<TResponse>(() => new TResponse()).ParseFrom));
            context.AddUnaryMethod(method, [], handler);
        }
    }
}

/// <summary>A PublishEvent call as the sidecar received it.</summary>
public sealed record PublishedMessage(
    string PubsubName, string Topic, byte[] Data, string DataContentType, IReadOnlyDictionary<string, string> Metadata);
