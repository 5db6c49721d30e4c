// Starts Blazor (App.razor loads blazor.web.js with autostart="false") so that the Dashboard works when several
// instances serve it and a proxy sends each request to any of them (Fly's `fly deploy` makes two machines):
// - The circuit's SignalR connection is one WebSocket request, with no separate /negotiate request: negotiation
//   and WebSocket could reach different instances, and the second would not know the connection (404).
//   The circuit then lives on whichever instance took the WebSocket, for as long as it stays open.
// - When that instance goes away (a machine stopped by auto_stop_machines, a deploy), Blazor's reconnect reaches
//   another instance, which does not have the circuit and refuses it; Blazor then reloads the page, which starts
//   a fresh circuit there. Retries come quickly, so the page is not left on "Rejoin failed".
Blazor.start({
  circuit: {
    configureSignalR: builder => builder.withUrl("_blazor", { skipNegotiation: true, transport: 1 /* WebSockets */ }),
    reconnectionOptions: {
      maxRetries: 30,
      retryIntervalMilliseconds: attempt => (attempt < 5 ? 500 : 3000),
    },
  },
});
