package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"cdnwatch/shared/watch"
)

// readStateFile reads the Watch document a previous run left in path. A missing or empty
// file is no state (a first run), not an error.
func readStateFile(path string, key []byte) (*watch.Document, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) || err == nil && len(data) == 0 {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("--state %s: %w", path, err)
	}
	doc, err := watch.Decode(data, key)
	if err != nil {
		if errors.Is(err, watch.ErrMAC) {
			return nil, fmt.Errorf("--state %s: %w; remove the file to start over", path, err)
		}
		return nil, fmt.Errorf("--state %s: %w", path, err)
	}
	return doc, nil
}

// probeDir checks at start that the checkpoints can be written beside path, so a typo in
// --state fails at once rather than after the first poll of a two-hour watch.
func probeDir(path string) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.probe")
	if err != nil {
		return fmt.Errorf("--state %s: cannot write there: %w", path, errors.Unwrap(err))
	}
	f.Close()
	return os.Remove(f.Name())
}

// writeStateFile replaces path with doc atomically: the document goes to a temporary
// file in the same directory, is synced, and is renamed over path, so a crash (kill -9,
// a power cut) leaves either the previous document or the new one, never half of one.
func writeStateFile(path string, doc *watch.Document) error {
	data, err := watch.Encode(doc)
	if err != nil {
		return fmt.Errorf("encode the watch document: %w", err)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write --state %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write --state %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write --state %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write --state %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write --state %s: %w", path, err)
	}
	// The rename is durable once the directory is synced; best effort (not every
	// filesystem lets a directory be opened for it).
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// writeFileAtomic writes data to path through a temporary file and a rename, so a reader
// (". ./sim.env" in another terminal) never sees half of it.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
