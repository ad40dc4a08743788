#!/bin/sh
# Runs once at image build, with IRIS started: starts the structured-logging daemon that merge.cpf enabled,
# creates the role that ct's audit client's user has, creates that user (audit-user.sh, which also runs at
# every container start), and (development profile only) lets the predefined users keep their default
# passwords.
# The ObjectScript shell runs each input line on its own, so every block below must stay on one line; and it
# carries on after an error, so each step checks its status and ends the session with exit status 1 on failure.
# The audit client calls one class method of %SYS.System: the role grants the Native API (%Service_Bindings),
# %Developer lets its session run that method.
set -eu

iris session IRIS -U %SYS <<OBJECTSCRIPT
set sc = ##class(SYS.LogDmn).Start() if 'sc { write "structured logging did not start: ", \$system.Status.GetErrorText(sc), ! do \$system.Process.Terminate(, 1) }
if '##class(Security.Roles).Exists("ct_audit") { set sc = ##class(Security.Roles).Create("ct_audit", "ct's audit client: writes to the console log", "%Service_Bindings:U,%Development:U", "") if 'sc { write \$system.Status.GetErrorText(sc), ! do \$system.Process.Terminate(, 1) } }
if "${CT_PROFILE}" = "development" { do ##class(Security.Users).UnExpireUserPasswords("*") }
halt
OBJECTSCRIPT

sh "$(dirname "$0")/audit-user.sh"
