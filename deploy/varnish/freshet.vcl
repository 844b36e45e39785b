vcl 4.1;
# freshet's Varnish layer (Varnish 7.1 with varnish-modules 0.20 for xkey).
#
# What freshet sends (cdn.varnish in freshet.yaml), accepted only from the `purgers` ACL:
#   PURGE /a                         the page /a and every variant of it (?_rsc=…, any Host)
#   PURGE / + xkey-purge: "t1 t2"    every object tagged t1 or t2
#   PURGE / + x-freshet-ban: "^/b/"  a ban: every object whose URL matches (wildcards /b/*)
#   x-freshet-soft: 1                on PURGE: xkey.softpurge (stale kept for grace) instead
# Each object is tagged with its page (`path:<url without query>`) and with the tags the site
# sends in `xkey` or, failing that, `Cache-Tag` (comma-separated, as CloudFront and Cloudflare
# read it), so one header from @freshet/next serves every layer.
#
# Edit the backend (your Next.js Service) and the ACL (where freshet runs) for your cluster.

import std;
import xkey;

backend default {
  .host = "web";
  .port = "3000";
}

acl purgers {
  "localhost";
  "127.0.0.1";
  "::1";
  "10.0.0.0"/8;
}

sub vcl_recv {
  # One method for all three (not BAN: proxies and HTTP parsers that know PURGE often refuse it).
  if (req.method == "PURGE") {
    if (!client.ip ~ purgers) {
      return (synth(405, "freshet: purging is not allowed from this address (acl purgers)"));
    }
    if (req.http.x-freshet-ban) {
      ban("obj.http.x-url ~ " + req.http.x-freshet-ban);
      return (synth(200, "Banned"));
    }
    if (req.http.xkey-purge) {
      set req.http.x-keys = req.http.xkey-purge;
    } else {
      set req.http.x-keys = "path:" + regsub(req.url, "\?.*$", "");
    }
    if (req.http.x-freshet-soft == "1") {
      set req.http.n-gone = xkey.softpurge(req.http.x-keys);
    } else {
      set req.http.n-gone = xkey.purge(req.http.x-keys);
    }
    return (synth(200, "Invalidated " + req.http.n-gone + " objects"));
  }
}

sub vcl_backend_response {
  # The URL the object was fetched for, for bans (lurker friendly: they test obj.http only).
  set beresp.http.x-url = bereq.url;
  if (!beresp.http.xkey && beresp.http.cache-tag) {
    set beresp.http.xkey = regsuball(beresp.http.cache-tag, "\s*,\s*", " ");
  }
  if (beresp.http.xkey) {
    set beresp.http.xkey = beresp.http.xkey + " path:" + regsub(bereq.url, "\?.*$", "");
  } else {
    set beresp.http.xkey = "path:" + regsub(bereq.url, "\?.*$", "");
  }
}

sub vcl_deliver {
  unset resp.http.x-url;
  unset resp.http.xkey;
}
