//go:build cdnwatch_volc_cdn || cdnwatch_volc_mcdn || !(cdnwatch_aliyun_cdn || cdnwatch_aliyun_dcdn || cdnwatch_aws_cloudfront || cdnwatch_tencent_cdn)

package volcchain

import (
	"github.com/volcengine/volcengine-go-sdk/volcengine/credentials"

	"cdnwatch/shared/provider/internal/volc"
)

// Built in exactly when volc-cdn or volc-mcdn is (each is "its tag, or no provider tag").
func init() {
	volc.UseCredentialsFile(func() credentials.Provider { return &credentials.SharedCredentialsProvider{} })
}
