// Go formatting helpers: the kubelet's messages are Go fmt output, and conformance compares them
// byte for byte, so the engine renders values the way Go's %q and %v would.
//
// Contract (each checked against Go itself by tests/go_format_golden_test.cc, whose golden file
// tools/go-golden generates):
// - GoQuote = fmt's %q of a string = strconv.Quote: \a \b \f \n \r \t \v \\ \" escaped; a byte that
//   does not start valid UTF-8 as \xHH; other controls as \xHH; runes Go's unicode.IsPrint rejects
//   as \uHHHH or \UHHHHHHHH; everything else as it is. Printability follows Go's Unicode tables
//   (GoUnicodeVersion()).
// - GoSlice = %v of a []string ("[a b c]"); GoQuotedSlice = %q of a []string ("[\"a\" \"b\"]").
// - GoIntOrString = %v of an intstr.IntOrString value: its fields, {Type IntVal StrVal}.
// - RenderHandler = %v of a *LifecycleHandler (the API type's generated String()), per profile.
#pragma once

#include <string>
#include <vector>

#include "src/core/pod.h"
#include "src/core/profile.h"

namespace podlife {

std::string GoQuote(const std::string& s);
std::string GoSlice(const std::vector<std::string>& items);
std::string GoQuotedSlice(const std::vector<std::string>& items);
std::string GoIntOrString(const IntOrString& value);
std::string RenderHandler(const LifecycleHandler& handler, const Profile& profile);

// The Unicode version of the printable-rune table GoQuote uses (the Go release it was made with).
const char* GoUnicodeVersion();

}  // namespace podlife
