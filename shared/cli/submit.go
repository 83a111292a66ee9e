package cli

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"cdnwatch/shared/config"
	"cdnwatch/shared/engine"
	"cdnwatch/shared/provider"
	"cdnwatch/shared/submit"
	"cdnwatch/shared/watch"
)

// SubmitOptions are the parsed options of `cdnwatch refresh` and `cdnwatch prefetch`.
type SubmitOptions struct {
	// Command is "refresh" or "prefetch" (for messages); Kind follows it.
	Command  string
	Kind     provider.SubmitKind
	Provider string
	// Type is file (default), directory or regex; a prefetch takes files only.
	Type string
	// URLs are --url values; URLsFile is --urls-file (one URL a line, "-" for stdin,
	// blank lines and lines starting with # skipped).
	URLs     []string
	URLsFile string
	Scope    map[string]string
	Label    string
	Notify   []string
	Interval time.Duration
	Timeout  time.Duration
	// JSON prints the final Watch document on stdout.
	JSON bool
	// StateFile checkpoints the document once submitted and after the watch; a state
	// file that already holds a submitted document is resumed without submitting again.
	StateFile string
	// NoWait submits, prints the ids and the Watch document, and ends.
	NoWait bool
	// Summary appends a markdown job summary to this file; "" uses $GITHUB_STEP_SUMMARY
	// when it is set.
	Summary string
	// NotifyGiven: Notify came from the command line (for messages).
	NotifyGiven bool
}

// RunSubmit is `cdnwatch refresh` / `cdnwatch prefetch`: submit once (quota first, split
// per the API's limits), then watch every returned task id as `cdnwatch watch` does,
// with the same notices and exit codes; URLs that could not be submitted are failed
// objects, named on stderr with their reason, and make the exit code 1.
func RunSubmit(ctx context.Context, o SubmitOptions, io Stdio, getenv config.Getenv) int {
	name := "cdnwatch " + o.Command
	fail := func(code int, err error) int {
		fmt.Fprintf(io.Err, "%s: %v\n", name, err)
		return code
	}
	env, err := config.FromEnv(getenv)
	if err != nil {
		return fail(ExitUsage, err)
	}
	if o.Provider != "" && !slices.Contains(provider.Names(), o.Provider) {
		return fail(ExitUsage, &provider.ErrUnknownProvider{Name: o.Provider})
	}
	disp := newDisplay(io.Err)
	stderr := disp.Above(io.Err)
	logger := cliLogger(stderr, env, getenv, disp.live)
	eng, err := env.Engine(logger)
	if err != nil {
		return fail(ExitUsage, err)
	}
	// An unknown or unconfigured channel is bad usage, found before anything is submitted.
	if err := checkNotify(o.Notify, eng.Dispatcher.Channels, "--notify"); err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			return fail(ee.code, errors.New(ee.msg))
		}
		return fail(ExitUsage, err)
	}

	doc, resumed, err := o.resume(env.StateKey)
	if err != nil {
		return fail(ExitUsage, err)
	}
	var res *submit.Result
	if resumed {
		fmt.Fprintf(io.Err, "%s: resuming the submission recorded in %s (%d URLs submitted at %s); not submitting again\n",
			name, o.StateFile, doc.Submit.Submitted, time.Unix(doc.Submit.At, 0).UTC().Format(time.RFC3339))
	} else {
		pending, err := o.document(io.In, env.StateKey)
		if err != nil {
			return fail(ExitUsage, err)
		}
		// --timeout bounds the whole command, the submit included, even when the provider
		// hangs (each attempt is bounded by the transport's call timeout besides).
		sctx, cancel := context.WithTimeout(ctx, effectiveTimeout(pending))
		var serr error
		doc, res, serr = submit.Document(sctx, submit.Opener(eng.Open), pending, submit.Options{Origin: nonce(), Logger: logger})
		cancel()
		if res != nil && serr == nil {
			printRejected(io.Err, name, res)
		}
		if serr != nil {
			if res != nil && len(res.Rejected) > 0 {
				fmt.Fprintf(io.Err, "%s: %d URL(s) not submitted\n", name, len(res.Rejected))
			}
			writeGitHub(io.Err, name, o, getenv, nil, res, submitExit(serr))
			return fail(submitExit(serr), serr)
		}
		ids := strings.Join(doc.TaskIDs, ",")
		if ids == "" {
			ids = "none"
		}
		fmt.Fprintf(io.Err, "%s: submitted %d of %d URLs in %d call(s) (quota %s): task ids %s\n", name,
			res.Submitted, res.Submitted+len(res.Rejected), res.Calls, quotaText(res.Quota), ids)
		if err := o.checkpoint(doc, env.StateKey); err != nil {
			fmt.Fprintf(io.Err, "%s: %v\n", name, err)
		}
	}

	if o.NoWait {
		code := ExitComplete
		if doc.Submit.Rejected > 0 {
			code = ExitFailed
		}
		if len(doc.TaskIDs) == 0 {
			fmt.Fprintf(io.Err, "%s: nothing was submitted, so there is no Watch document to print\n", name)
			writeGitHub(io.Err, name, o, getenv, doc, res, ExitFailed)
			return ExitFailed
		}
		if err := watch.Seal(doc, env.StateKey); err != nil {
			return fail(ExitUsage, err)
		}
		b, err := watch.Encode(doc)
		if err != nil {
			return fail(ExitUsage, err)
		}
		fmt.Fprintf(io.Out, "%s\n", b)
		writeGitHub(io.Err, name, o, getenv, doc, res, code)
		return code
	}

	wo := &watchOpts{json: o.JSON, stateFile: o.StateFile, deliveryTimeout: DefaultDeliveryTimeout}
	r := &watchRun{eng: eng, disp: disp, opts: wo, input: doc, stdout: io.Out, stderr: stderr}
	code := r.run(ctx)
	writeGitHub(io.Err, name, o, getenv, r.cur, res, code)
	return code
}

// submitExit is the exit code of a submission that produced nothing to watch.
func submitExit(err error) int {
	var oe *engine.OpenError
	switch {
	case errors.Is(err, submit.ErrCannotSubmit), errors.As(err, &oe):
		return ExitUsage
	case provider.Refused(err):
		return ExitRefused
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return ExitTimeout
	}
	return ExitFailed
}

// document builds the submit document from the options through the same decoder the
// functions use, so both validate alike.
func (o *SubmitOptions) document(stdin io.Reader, key []byte) (*watch.Document, error) {
	if o.Provider == "" {
		return nil, errors.New("--provider is required")
	}
	urls := slices.Clone(o.URLs)
	if o.URLsFile != "" {
		var r io.Reader = stdin
		if o.URLsFile != "-" {
			f, err := os.Open(o.URLsFile)
			if err != nil {
				return nil, fmt.Errorf("--urls-file: %w", err)
			}
			defer f.Close()
			r = f
		}
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 64<<10)
		for sc.Scan() {
			if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
				urls = append(urls, l)
			}
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("--urls-file %s: %w", o.URLsFile, err)
		}
	}
	if len(urls) == 0 {
		return nil, errors.New("no URLs: give --url URL (repeatable) or --urls-file FILE|-")
	}
	cleaned, err := submit.Clean(urls)
	if err != nil {
		return nil, err
	}
	kind := string(o.Kind)
	d := watch.Document{V: watch.Version, Submit: &watch.Submit{Provider: o.Provider, Kind: kind, Type: o.Type, URLs: cleaned},
		Label: o.Label, Notify: o.Notify, Interval: watch.Duration{D: o.Interval}, Timeout: watch.Duration{D: o.Timeout}}
	if len(o.Scope) > 0 {
		d.Scope = o.Scope
	}
	b, err := watch.Encode(&d)
	if err != nil {
		return nil, err
	}
	return watch.Decode(b, key)
}

// resume reads a state file holding a document whose submit is recorded.
func (o *SubmitOptions) resume(key []byte) (*watch.Document, bool, error) {
	if o.StateFile == "" {
		return nil, false, nil
	}
	d, err := readStateFile(o.StateFile, key)
	if err != nil || d == nil {
		return nil, false, err
	}
	if !d.Submit.Done() {
		return nil, false, fmt.Errorf("--state %s holds no recorded submission; use `cdnwatch watch --state` for a watch", o.StateFile)
	}
	if o.Provider != "" && d.Provider != o.Provider {
		return nil, false, fmt.Errorf("--state %s is a %s submission, not %s", o.StateFile, d.Provider, o.Provider)
	}
	return d, true, nil
}

// checkpoint records the submission in the state file before the watch starts, when one
// is set; the watch then checkpoints every hop to the same file.
func (o *SubmitOptions) checkpoint(doc *watch.Document, key []byte) error {
	if o.StateFile == "" || doc == nil {
		return nil
	}
	if err := watch.Seal(doc, key); err != nil {
		return err
	}
	return writeStateFile(o.StateFile, doc)
}

// printRejected names every URL not submitted, grouped under its reason.
func printRejected(w io.Writer, name string, res *submit.Result) {
	var reasons []string
	by := map[string][]string{}
	for _, r := range res.Rejected {
		if _, ok := by[r.Reason]; !ok {
			reasons = append(reasons, r.Reason)
		}
		by[r.Reason] = append(by[r.Reason], r.URL)
	}
	for _, why := range reasons {
		fmt.Fprintf(w, "%s: %d URL(s) %s:\n", name, len(by[why]), why)
		for _, u := range by[why] {
			fmt.Fprintf(w, "  %s\n", u)
		}
	}
}

func quotaText(q provider.Quota) string {
	if !q.Known() {
		return "not reported"
	}
	if q.Limit > 0 {
		return fmt.Sprintf("%d of %d left before", q.Remaining, q.Limit)
	}
	return fmt.Sprintf("%d left before", q.Remaining)
}

// nonce tells this run's submission apart from any other of the same URLs.
func nonce() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "cli-" + time.Now().UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b[:])
}
