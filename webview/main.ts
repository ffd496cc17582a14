// Entry point of the trace-view webview (browser code).
export {};
