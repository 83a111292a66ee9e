package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is the module version and VCS revision the binary was built from, read from
// the build info the Go toolchain embeds (`go build` in a clone stamps vcs.revision;
// `go run` and test binaries have less, and say so).
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(no build info) " + runtime.Version()
	}
	return versionOf(bi)
}

func versionOf(bi *debug.BuildInfo) string {
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, at string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	out := v
	switch {
	case rev != "":
		if len(rev) > 12 {
			rev = rev[:12]
		}
		out += " (revision " + rev
		if at != "" {
			out += ", " + at
		}
		if modified {
			out += ", modified"
		}
		out += ")"
	default:
		out += " (no VCS revision: built without -buildvcs or outside the clone)"
	}
	return fmt.Sprintf("%s %s %s/%s", out, bi.GoVersion, runtime.GOOS, runtime.GOARCH)
}
