// go-golden prints how Go itself renders the values podlife's src/engine/go_format.* imitates, so
// a unit test can hold podlife's formatter to Go's output byte for byte.
//
// It writes two files:
//   - the golden file (JSON lines, one rendering per line): %q of strings (checked here to equal
//     strconv.Quote), %v and %q of []string, %v of an intstr.IntOrString value. Inputs and outputs
//     are hex so invalid UTF-8 survives; "want" repeats the output as text when it is valid UTF-8.
//   - the printable-rune table: the ranges of runes for which unicode.IsPrint holds (strconv.Quote
//     prints those as they are and escapes the rest), as a C++ array go_format.cc includes.
//
// Standard library only: run it with the Debian Go (see README.md). The Unicode version of the
// tables is the Go release's (unicode.Version); it is written into both files.
package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// intOrString has the field layout of k8s.io/apimachinery/pkg/util/intstr.IntOrString, and like it
// a String method on the pointer only: a value printed with %v shows its fields ({Type IntVal StrVal}).
type intOrString struct {
	Type   int64
	IntVal int32
	StrVal string
}

func (p *intOrString) String() string { return "unused: %v of a value does not call it" }

type row struct {
	Format string   `json:"format"`
	Name   string   `json:"name"`
	In     []string `json:"in,omitempty"` // hex of each string (one for a string, one per element of a slice)
	Port   *port    `json:"port,omitempty"`
	Want   *string  `json:"want,omitempty"` // the output as text, only when it is valid UTF-8
	WantHx string   `json:"want_hex"`
}

type port struct {
	Type   int64  `json:"type"`
	IntVal int32  `json:"int_val"`
	StrVal string `json:"str_val_hex"`
}

type namedString struct {
	name  string
	value string
}

func stringInputs() []namedString {
	in := []namedString{
		{"empty", ""},
		{"plain ASCII", "plain text 123"},
		{"every printable ASCII character", printableASCII()},
		{"bell backspace form feed vertical tab", "\a\b\f\v"},
		{"newline carriage return tab", "out\n\r\t"},
		{"NUL", "\x00"},
		{"other C0 controls", "\x01\x02\x0e\x1b\x1f"},
		{"DEL", "\x7f"},
		{"double quote and backslash", `say "hi" \ bye\`},
		{"single quote and backquote", "it's `x`"},
		{"byte 0xff alone", "\xff"},
		{"bytes 0x80 0xfe 0xc0", "\x80\xfe\xc0"},
		{"truncated 2-byte sequence", "a\xc3"},
		{"truncated 3-byte sequence", "a\xe2\x82"},
		{"truncated 4-byte sequence", "a\xf0\x9f\x98"},
		{"truncated sequence followed by ASCII", "\xe2\x82x"},
		{"UTF-8 encoded surrogate U+D800", "\xed\xa0\x80"},
		{"UTF-8 encoded surrogate U+DFFF", "\xed\xbf\xbf"},
		{"overlong slash (2 bytes)", "\xc0\xaf"},
		{"overlong slash (3 bytes)", "\xe0\x80\xaf"},
		{"beyond U+10FFFF", "\xf4\x90\x80\x80"},
		{"5-byte form", "\xf8\x88\x80\x80\x80"},
		{"U+FFFD encoded (printable)", "\uFFFD"},
		{"U+00A0 no-break space", "a\u00a0b"},
		{"U+0085 next line (C1 control)", "\u0085"},
		{"U+00AD soft hyphen (format)", "\u00ad"},
		{"U+200B zero width space", "\u200b"},
		{"U+2028 line separator", "\u2028"},
		{"U+2029 paragraph separator", "\u2029"},
		{"U+3000 ideographic space", "\u3000"},
		{"U+FEFF byte order mark", "\ufeff"},
		{"U+E000 private use", "\ue000"},
		{"U+FFFE noncharacter", "\ufffe"},
		{"U+0378 unassigned", "\u0378"},
		{"U+E0001 language tag (32-bit escape)", "\U000e0001"},
		{"U+F0000 private use plane 15", "\U000f0000"},
		{"U+10FFFF", "\U0010ffff"},
		{"printable multi-byte runes", "é 日本語 Ω ß € 𝄞 😀 \u0301"},
		{"hook output with controls and invalid bytes", "\a\b\f\v\xff \u00a0 done\n"},
		{"every byte 0x00-0xff in order", allBytes()},
		{"long mixed string (300 bytes)", strings.Repeat("ab\"\\\t\xff\u00a0é", 30)[:300]},
		{"long plain string (4096 bytes)", strings.Repeat("x", 4096)},
	}
	return append(in, printBoundaryInputs()...)
}

func printableASCII() string {
	var b strings.Builder
	for c := 0x20; c < 0x7f; c++ {
		b.WriteByte(byte(c))
	}
	return b.String()
}

func allBytes() string {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return string(b)
}

// printBoundaryInputs: strings of the runes on both sides of every edge of the printable ranges,
// 64 runes a string, so every range of the table is exercised where it starts and ends.
func printBoundaryInputs() []namedString {
	var runes []rune
	for _, r := range printRanges() {
		for _, c := range []rune{r[0] - 1, r[0], r[1], r[1] + 1} {
			if c >= 0 && c <= unicode.MaxRune && utf8.ValidRune(c) {
				runes = append(runes, c)
			}
		}
	}
	var out []namedString
	for i := 0; i < len(runes); i += 64 {
		end := i + 64
		if end > len(runes) {
			end = len(runes)
		}
		out = append(out, namedString{fmt.Sprintf("printable-range edges U+%04X..U+%04X", runes[i], runes[end-1]),
			string(runes[i:end])})
	}
	return out
}

// printRanges: maximal [lo, hi] runs of runes for which unicode.IsPrint holds.
func printRanges() [][2]rune {
	var out [][2]rune
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !unicode.IsPrint(r) {
			continue
		}
		if n := len(out); n > 0 && out[n-1][1] == r-1 {
			out[n-1][1] = r
		} else {
			out = append(out, [2]rune{r, r})
		}
	}
	return out
}

type namedSlice struct {
	name  string
	value []string
}

func sliceInputs() []namedSlice {
	return []namedSlice{
		{"nil slice", nil},
		{"empty slice", []string{}},
		{"one empty element", []string{""}},
		{"two empty elements", []string{"", ""}},
		{"hook command", []string{"sh", "-c", "exit 3"}},
		{"command with spaces, quotes and a tab", []string{"sh", "-c", `echo "a b"; printf 'x\ty'`, "a\tb"}},
		{"elements with controls and invalid UTF-8", []string{"\a\x00", "\xff", "\u00a0\u2028", "日本"}},
		{"nested brackets", []string{"[a]", "b]", "[c"}},
	}
}

func textOrNil(s string) *string {
	if !utf8.ValidString(s) {
		return nil
	}
	return &s
}

func hexAll(items []string) []string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = hex.EncodeToString([]byte(s))
	}
	return out
}

func rows() []row {
	var out []row
	for _, in := range stringInputs() {
		q := fmt.Sprintf("%q", in.value)
		if q != strconv.Quote(in.value) {
			panic(fmt.Sprintf("%s: %%q %s differs from strconv.Quote %s", in.name, q, strconv.Quote(in.value)))
		}
		out = append(out, row{Format: "%q", Name: in.name, In: hexAll([]string{in.value}), Want: textOrNil(q),
			WantHx: hex.EncodeToString([]byte(q))})
	}
	for _, in := range sliceInputs() {
		for _, verb := range []string{"%v", "%q"} {
			got := fmt.Sprintf(verb, in.value)
			out = append(out, row{Format: verb + " []string", Name: in.name, In: hexAll(in.value), Want: textOrNil(got),
				WantHx: hex.EncodeToString([]byte(got))})
		}
	}
	ports := []struct {
		name  string
		value intOrString
	}{
		{"named port", intOrString{1, 0, "quux"}},
		{"empty string port", intOrString{1, 0, ""}},
		{"digit string port", intOrString{1, 0, "8080"}},
		{"string port with a space and invalid UTF-8", intOrString{1, 0, "a b\xff"}},
		{"int port", intOrString{0, 8080, ""}},
		{"negative int port", intOrString{0, -1, ""}},
	}
	for _, p := range ports {
		got := fmt.Sprintf("%v", p.value)
		out = append(out, row{Format: "%v intstr.IntOrString", Name: p.name,
			Port: &port{p.value.Type, p.value.IntVal, hex.EncodeToString([]byte(p.value.StrVal))},
			Want: textOrNil(got), WantHx: hex.EncodeToString([]byte(got))})
	}
	return out
}

func writeGolden(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	header := map[string]string{"generator": "tools/go-golden", "go": runtime.Version(), "unicode": unicode.Version}
	line, _ := json.Marshal(header)
	fmt.Fprintf(w, "%s\n", line)
	for _, r := range rows() {
		line, err := json.Marshal(r)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s\n", line)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

func writePrintTable(path string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "// Generated by tools/go-golden (%s); do not edit. Included by src/engine/go_format.cc.\n", runtime.Version())
	b.WriteString("// kGoPrintRanges: the runs [first, last] of runes for which Go's unicode.IsPrint holds;\n")
	b.WriteString("// strconv.Quote prints these as they are and escapes every other rune.\n")
	fmt.Fprintf(&b, "constexpr char kGoUnicodeVersion[] = \"%s\";\n", unicode.Version)
	b.WriteString("constexpr RuneRange kGoPrintRanges[] = {\n")
	ranges := printRanges()
	for i, r := range ranges {
		sep := " "
		if i%4 == 3 || i == len(ranges)-1 {
			sep = "\n"
		}
		fmt.Fprintf(&b, "{0x%04X, 0x%04X},%s", r[0], r[1], sep)
	}
	b.WriteString("};\n")
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

func main() {
	golden := flag.String("golden", "", "where to write the golden file (JSON lines)")
	table := flag.String("print-table", "", "where to write the printable-rune ranges (C++ array)")
	flag.Parse()
	if *golden == "" || *table == "" {
		fmt.Fprintln(os.Stderr, "usage: go-golden -golden FILE -print-table FILE")
		os.Exit(2)
	}
	if err := writeGolden(*golden); err != nil {
		fmt.Fprintln(os.Stderr, "go-golden:", err)
		os.Exit(1)
	}
	if err := writePrintTable(*table); err != nil {
		fmt.Fprintln(os.Stderr, "go-golden:", err)
		os.Exit(1)
	}
}
