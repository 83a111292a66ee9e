package cli

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/rivo/uniseg"
	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair with the standard Linux calls (no library): the
// master is what a terminal emulator reads, the slave is the child's stderr.
func openPTY(t *testing.T, cols, rows int) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		t.Fatalf("unlock pty: %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		m.Close()
		t.Fatalf("pty number: %v", err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		m.Close()
		t.Fatalf("open pty slave: %v", err)
	}
	if err := unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: uint16(rows), Col: uint16(cols)}); err != nil {
		t.Fatalf("set pty size: %v", err)
	}
	return m, s
}

// screen is a small terminal emulator: enough of VT100 for what the display sends
// (printable text with autowrap at the right margin, CR, LF, cursor up, erase in line,
// erase below). It fails the test on any other escape sequence, so the display cannot
// start relying on something this emulator does not check.
type screen struct {
	t           *testing.T
	cols        int
	lines       [][]string // each cell one grapheme ("" = blank)
	row, col    int
	pendingWrap bool
	scrolled    int // lines that scrolled off the top (never cleared: permanent output)
	rows        int
}

func newScreen(t *testing.T, cols, rows int) *screen {
	return &screen{t: t, cols: cols, rows: rows, lines: [][]string{make([]string, cols)}}
}

func (s *screen) ensure(row int) {
	for len(s.lines) <= row {
		s.lines = append(s.lines, make([]string, s.cols))
	}
}

// feed interprets out; it keeps every line (no scrollback limit), like a log of the screen.
func (s *screen) feed(out string) {
	g := uniseg.NewGraphemes(out)
	for g.Next() {
		c := g.Str()
		switch {
		case c == "\r":
			s.col, s.pendingWrap = 0, false
		case c == "\n" || c == "\r\n":
			// The pty's line discipline turns LF into CR LF (ONLCR), as for a real terminal.
			s.col = 0
			s.row++
			s.pendingWrap = false
			s.ensure(s.row)
		case c == "\x1b":
			// Read the CSI sequence by hand: ESC [ params final.
			if !g.Next() || g.Str() != "[" {
				s.t.Fatalf("unexpected escape sequence in the display's output")
			}
			params := ""
			for g.Next() {
				ch := g.Str()
				if len(ch) == 1 && ch[0] >= 0x40 && ch[0] <= 0x7e {
					s.csi(params, ch[0])
					break
				}
				params += ch
			}
		case c == "\t":
			s.col = min(s.cols-1, (s.col/8+1)*8)
		case c == "\a" || c == "\b":
			s.t.Fatalf("unexpected control %q", c)
		default:
			if s.pendingWrap {
				s.row++
				s.col = 0
				s.pendingWrap = false
				s.ensure(s.row)
			}
			s.ensure(s.row)
			s.lines[s.row][s.col] = c
			w := max(g.Width(), 1)
			if s.col+w >= s.cols {
				s.col = s.cols - 1
				s.pendingWrap = true
			} else {
				s.col += w
			}
		}
	}
}

func (s *screen) csi(params string, final byte) {
	n := 1
	if params != "" {
		v, err := strconv.Atoi(params)
		if err != nil {
			s.t.Fatalf("unexpected CSI %q%c", params, final)
		}
		n = v
	}
	switch final {
	case 'A':
		s.row = max(0, s.row-n)
		s.pendingWrap = false
	case 'K':
		s.ensure(s.row)
		for c := s.col; c < s.cols; c++ {
			s.lines[s.row][c] = ""
		}
	case 'J':
		s.ensure(s.row)
		for c := s.col; c < s.cols; c++ {
			s.lines[s.row][c] = ""
		}
		s.lines = s.lines[:s.row+1]
	default:
		s.t.Fatalf("unexpected CSI %q%c", params, final)
	}
}

// text is every line, trailing blanks trimmed, trailing empty lines dropped.
func (s *screen) text() []string {
	var out []string
	for _, l := range s.lines {
		var b strings.Builder
		for _, c := range l {
			if c == "" {
				c = " "
			}
			b.WriteString(c)
		}
		out = append(out, strings.TrimRight(b.String(), " "))
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

// last is the final screenful (rows lines), as a person sees it when the command ends.
func (s *screen) last() string {
	t := s.text()
	if len(t) > s.rows {
		t = t[len(t)-s.rows:]
	}
	return strings.Join(t, "\n")
}

func TestScreenEmulator(t *testing.T) {
	s := newScreen(t, 10, 5)
	s.feed("hello\nworld\n")
	s.feed("\x1b[2A\rHI\x1b[K\nthere\x1b[K\n\x1b[J")
	s.feed("0123456789abc\n")
	if got, want := strings.Join(s.text(), "|"), "HI|there|0123456789|abc"; got != want {
		t.Fatalf("screen %q, want %q", got, want)
	}
}
