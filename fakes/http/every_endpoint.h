// ShutdownEveryEndpoint: the conformance watchdog's way to end a case's waits on hook endpoints
// it does not know of (a case may start its own, e.g. on 127.0.0.2:80).
//
// Contract: shuts down every FakeHttpEndpoint alive in the process (FakeHttpEndpoint::Shutdown:
// their WaitForRequest calls end, their gates open, their servers stop) and returns how many there
// were. Thread-safe; an endpoint being destroyed meanwhile is waited for, never touched
// after its destruction. Apart from fake_http_endpoint.h so that its users need not rebuild.
#pragma once

namespace podlife::fakes {

int ShutdownEveryEndpoint();

}  // namespace podlife::fakes
