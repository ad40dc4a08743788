#!/bin/sh
# Creates the user that ct's audit client signs in with, or sets its password when it exists, from
# IRIS_AUDIT_USER and IRIS_AUDIT_PASSWORD: the variables the api and the workers sign in with. Runs at image
# build (with the defaults) and at every container start (docker-compose.yml: iris-main's --after), so that a
# password changed in .env reaches IRIS on the next `docker compose up`, volume or no volume.
# Needs the ct_audit role, which autoconf.sh creates at build.
set -eu

AUDIT_USER="${IRIS_AUDIT_USER:-ct_audit}"
AUDIT_PASSWORD="${IRIS_AUDIT_PASSWORD:-ct_audit}"
# ObjectScript string literals double their quotes; the heredoc below does not expand what it substitutes.
quote() { printf '%s' "$1" | sed 's/"/""/g'; }
USER_LITERAL="\"$(quote "$AUDIT_USER")\""
PASSWORD_LITERAL="\"$(quote "$AUDIT_PASSWORD")\""

# One block a line: the ObjectScript shell runs each input line on its own, and carries on after an error, so
# each step checks its status and ends the session with exit status 1 on failure.
iris session IRIS -U %SYS <<OBJECTSCRIPT
if ##class(Security.Users).Exists(${USER_LITERAL}) { set props("Password") = ${PASSWORD_LITERAL} set sc = ##class(Security.Users).Modify(${USER_LITERAL}, .props) } else { set sc = ##class(Security.Users).Create(${USER_LITERAL}, "ct_audit,%Developer", ${PASSWORD_LITERAL}, "ct audit client", "", "", "", 0, 1) }
if 'sc { write "audit user ", ${USER_LITERAL}, ": ", \$system.Status.GetErrorText(sc), ! do \$system.Process.Terminate(, 1) }
halt
OBJECTSCRIPT
