using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Basket.Api.Grpc;

/// <summary>
/// A gRPC call that failed because Basket's store (Redis) or Catalog did not answer ends <c>Unavailable</c>,
/// which a client may retry, instead of <c>Unknown</c> (gRPC's 500), as the HTTP API answers 503.
/// </summary>
internal sealed class UnavailableStoreInterceptor : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception ex) when (DependencyUnavailableException.Recognises(ex) && !context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "A store or service the basket needs did not answer in time.", ex));
        }
    }
}
