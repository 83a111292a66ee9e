package cdnsim_test

import (
	"testing"
	"time"

	cdn "github.com/alibabacloud-go/cdn-20180510/v9/client"
	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"

	"cdnwatch/shared/cdnsim"
)

// The simulator's independent ACS3 verifier accepts what the official SDK signs, and the
// SDK decodes the answer into its own model.
func TestOfficialSDKAccepted(t *testing.T) {
	sim, srv := newSim(t, cdnsim.Options{})
	id := sim.AddTask(provider, cdnsim.Task{Created: time.Now().Add(-time.Hour), Objects: []cdnsim.Object{
		{Path: "https://static.example.com/a.js", Type: cdnsim.TypeFile, Duration: time.Minute, FailReason: "Origin Timeout"},
		{Path: "https://static.example.com/b.js", Type: cdnsim.TypeFile, Duration: time.Minute},
	}})
	client, err := cdn.NewClient(&openapiutil.Config{
		AccessKeyId:     dara.String(keyID),
		AccessKeySecret: dara.String(secret),
		Endpoint:        dara.String(srv.Listener.Addr().String()),
		Protocol:        dara.String("http"),
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.DescribeRefreshTaskById(&cdn.DescribeRefreshTaskByIdRequest{TaskId: dara.String(id + ",12345")})
	if err != nil {
		t.Fatalf("SDK call refused: %v", err)
	}
	b := resp.Body
	if dara.Int64Value(b.TotalCount) != 2 || len(b.Tasks) != 2 {
		t.Fatalf("got %d rows (TotalCount %d), want 2", len(b.Tasks), dara.Int64Value(b.TotalCount))
	}
	if r := b.Tasks[0]; dara.StringValue(r.TaskId) != id || dara.StringValue(r.Status) != "Failed" ||
		dara.StringValue(r.Description) != "Origin Timeout" {
		t.Errorf("first row %v", r)
	}
	if st := sim.Stats(provider); st.SignatureFailures != 0 || st.OK != 1 {
		t.Errorf("stats %+v, want one OK call", st)
	}
}
