package watch

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
)

// WatchID derives a watch's id from what the user submitted, so a retried first hop gets
// the same id (and so the same notice ids) as the try that was lost.
func WatchID(d *Document) string {
	ids := append([]string(nil), d.TaskIDs...)
	sort.Strings(ids)
	keys := make([]string, 0, len(d.Scope))
	for k := range d.Scope {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	h.Write([]byte(d.Provider))
	for _, k := range keys {
		h.Write([]byte{0})
		h.Write([]byte(k + "=" + d.Scope[k]))
	}
	h.Write([]byte{1})
	h.Write([]byte(strings.Join(ids, ",")))
	return "w_" + hex.EncodeToString(h.Sum(nil))[:20]
}

// NoticeID derives a notice's id from the watch and the event, so the same event always
// has the same id (the webhook-id receivers use to drop duplicates).
func NoticeID(watchID, kind string, parts ...string) string {
	h := sha256.New()
	h.Write([]byte(watchID))
	h.Write([]byte{0})
	h.Write([]byte(kind))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return "msg_" + hex.EncodeToString(h.Sum(nil))[:24]
}
