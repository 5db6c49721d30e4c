using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace CustomGpt.Dashboard.Hosting;

/// <summary>
/// A Dashboard holding a ModelApi key (GPT_API_KEY or GPT_MASTER_KEY) lends it to everyone who reaches
/// it. On loopback that is the operator alone; on any other address it must be locked with
/// DASHBOARD_PASSWORD, or DASHBOARD_PUBLIC=true must say the operator means it.
/// Decided from the addresses Kestrel actually bound (HOST, --urls, ASPNETCORE_URLS, Kestrel__Endpoints__*
/// alike), after binding and before the first request is served (<see cref="CheckedServer"/>).
/// </summary>
public static class ListenCheck
{
    /// <summary>Why the Dashboard must not serve with these settings on these addresses, or null.</summary>
    public static string? Refusal(DashboardSettings settings, IEnumerable<string> urls)
    {
        if (!settings.HoldsKey || settings.Password is not null || settings.Public) return null;
        var open = urls.Where(url => !IsLoopback(url)).ToList();
        if (open.Count == 0) return null;
        const string held = "GPT_API_KEY or GPT_MASTER_KEY";
        return $"Refusing to listen on {string.Join(", ", open)}: the Dashboard holds {held}, so anyone who reaches that address " +
               "would use the key. Set DASHBOARD_PASSWORD to make people sign in, set DASHBOARD_PUBLIC=true if that is what you mean, " +
               $"or leave {held} unset so that each person signs in with their own ModelApi key. On HOST=127.0.0.1 nothing is needed.";
    }

    /// <summary>Puts <see cref="CheckedServer"/> around the server the host registered (Kestrel).</summary>
    public static IServiceCollection AddListenCheck(this IServiceCollection services, DashboardSettings settings)
    {
        var server = services.Last(d => d.ServiceType == typeof(IServer));
        services.Remove(server);
        services.AddSingleton<IServer>(provider => new CheckedServer(Create(provider, server), settings));
        return services;
    }

    static IServer Create(IServiceProvider provider, ServiceDescriptor server) =>
        (IServer)(server.ImplementationInstance
            ?? server.ImplementationFactory?.Invoke(provider)
            ?? ActivatorUtilities.CreateInstance(provider, server.ImplementationType!));

    /// <summary>"http://127.0.0.1:5000", "http://localhost:5000" and "http://[::1]:5000" are loopback; "*", "+", "0.0.0.0", "[::]" and other hosts are not.</summary>
    static bool IsLoopback(string url)
    {
        var host = url.Split("://", 2)[^1].Split('/')[0];
        host = host.StartsWith('[') ? host[1..host.IndexOf(']')] : host.Split(':')[0];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }
}

/// <summary>Thrown by <see cref="CheckedServer"/> when the bound addresses are refused: Program exits with code 2.</summary>
public sealed class ListenRefusedException(string message) : Exception(message);

/// <summary>
/// The server with the listen check between binding and serving: requests wait at a gate until the bound
/// addresses are known to be allowed; when they are not, the server stops without having served anything.
/// </summary>
public sealed class CheckedServer(IServer inner, DashboardSettings settings) : IServer
{
    public IFeatureCollection Features => inner.Features;

    public async Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken) where TContext : notnull
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await inner.StartAsync(new Gated<TContext>(application, gate.Task), cancellationToken);
        var bound = inner.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        if (ListenCheck.Refusal(settings, bound) is { } refusal)
        {
            var refused = new ListenRefusedException(refusal);
            gate.SetException(refused); // anything that came in meanwhile fails unserved
            await inner.StopAsync(cancellationToken);
            throw refused;
        }
        gate.SetResult();
    }

    public Task StopAsync(CancellationToken cancellationToken) => inner.StopAsync(cancellationToken);

    public void Dispose() => inner.Dispose();

    sealed class Gated<TContext>(IHttpApplication<TContext> app, Task gate) : IHttpApplication<TContext> where TContext : notnull
    {
        public TContext CreateContext(IFeatureCollection contextFeatures) => app.CreateContext(contextFeatures);

        public async Task ProcessRequestAsync(TContext context)
        {
            await gate;
            await app.ProcessRequestAsync(context);
        }

        public void DisposeContext(TContext context, Exception? exception) => app.DisposeContext(context, exception);
    }
}
