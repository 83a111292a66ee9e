// Package all registers the providers a binary is built with; import it for its side
// effect.
//
// By default every provider is built in. Build tags select a subset, so a deployment
// links only the SDKs it uses: each tag is cdnwatch_ plus a provider id with "-" as "_",
//
//	go build -tags cdnwatch_aliyun_cdn,cdnwatch_aliyun_dcdn ./functions/fc
//
// builds the FC function with the two Aliyun providers only. One file per provider holds
// its import under the constraint "its tag, or no provider tag at all"; a provider left
// out answers a Watch document naming it with the registry's unknown-provider error
// (which lists the providers that are built in).
package all

// Tags maps each provider id to the build tag that selects it.
var Tags = map[string]string{
	"aliyun-cdn":     "cdnwatch_aliyun_cdn",
	"aliyun-dcdn":    "cdnwatch_aliyun_dcdn",
	"aws-cloudfront": "cdnwatch_aws_cloudfront",
	"tencent-cdn":    "cdnwatch_tencent_cdn",
	"volc-cdn":       "cdnwatch_volc_cdn",
	"volc-mcdn":      "cdnwatch_volc_mcdn",
}
