package har

import (
	"slices"
	"strings"
)

// serviceHost reports whether host belongs to a service sites embed
// rather than a site people visit: ads, analytics and tag managers,
// beacons and error reporting, fonts, consent banners. The import never
// aims a load test at one on its own (--target can): a recording holds
// their requests next to the site's, sometimes before them, and a
// campaign's load sent there would hit a company that did not agree to
// it.
//
// Known services are matched by domain; others by a label of the host
// below its site that names the job (ads.example.com,
// analytics.example.com). The list cannot be complete. That is why the
// target is chosen from the page the person visited first, and the hosts
// are only a guard.
func serviceHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, d := range serviceDomains {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	sub := strings.TrimSuffix(strings.TrimSuffix(host, siteOf(host)), ".")
	if sub == "" {
		return false
	}
	for _, label := range strings.Split(sub, ".") {
		if slices.Contains(serviceLabels, label) {
			return true
		}
	}
	return false
}

// serviceLabels name a host's job when a site runs the service itself
// (ads.example.com, metrics.example.com: often a CNAME to an analytics
// provider).
var serviceLabels = []string{
	"ad", "ads", "adserver", "adservice", "adsrv", "analytics", "beacon", "beacons", "collect", "collector",
	"fonts", "metrics", "pixel", "pixels", "stats", "telemetry", "track", "tracker", "tracking",
}

// serviceDomains are services sites embed, by the domain all their hosts
// share.
var serviceDomains = []string{
	// advertising
	"2mdn.net", "33across.com", "adform.net", "adnxs.com", "adsrvr.org", "adservice.google.com", "amazon-adsystem.com",
	"bidswitch.net", "casalemedia.com", "contextweb.com", "criteo.com", "criteo.net", "doubleclick.net",
	"fwmrm.net", "googleadservices.com", "googlesyndication.com", "imasdk.googleapis.com", "indexww.com",
	"innovid.com", "lijit.com", "mathtag.com", "media.net", "moatads.com", "openx.net", "outbrain.com",
	"pubmatic.com", "rubiconproject.com", "sharethrough.com", "smartadserver.com", "sovrn.com",
	"spotxchange.com", "springserve.com", "taboola.com", "teads.tv", "yieldmo.com",
	// analytics, tag managers, audience data
	"agkn.com", "amplitude.com", "analytics.google.com", "analytics.tiktok.com", "bat.bing.com", "bluekai.com",
	"chartbeat.com", "chartbeat.net", "clarity.ms", "conviva.com", "crwdcntrl.net", "demdex.net",
	"everesttech.net", "fullstory.com", "google-analytics.com", "googleoptimize.com", "googletagmanager.com",
	"googletagservices.com", "heapanalytics.com", "hotjar.com", "hotjar.io", "krxd.net", "litix.io",
	"mc.yandex.ru", "mixpanel.com", "npaw.com", "omtrdc.net", "optimizely.com", "quantcount.com",
	"quantserve.com", "rlcdn.com", "scorecardresearch.com", "segment.com", "segment.io", "tapad.com", "2o7.net",
	// attribution
	"adjust.com", "appsflyer.com", "branch.io",
	// error reporting and real-user monitoring
	"browser-intake-datadoghq.com", "bugsnag.com", "cloudflareinsights.com", "datadoghq-browser-agent.com",
	"datadoghq.com", "newrelic.com", "nr-data.net", "sentry.io",
	// social widgets and pixels
	"connect.facebook.net", "facebook.net",
	// fonts
	"fontawesome.com", "fonts.bunny.net", "fonts.googleapis.com", "fonts.gstatic.com", "typekit.net",
	// consent banners
	"consensu.org", "cookiebot.com", "cookielaw.org", "onetrust.com", "trustarc.com",
}
