#!/bin/sh
# Runs once at image build, with IRIS started: starts the structured-logging daemon that merge.cpf enabled,
# creates the role and user that ct's audit client signs in with, and (development profile only) lets the
# predefined users keep their default passwords.
set -eu

AUDIT_USER="${CT_IRIS_AUDIT_USER:-ct_audit}"
AUDIT_PASSWORD="${CT_IRIS_AUDIT_PASSWORD:-ct_audit}"

iris session IRIS -U %SYS <<OBJECTSCRIPT
 set sc = ##class(SYS.LogDmn).Start()
 if 'sc { write "structured logging did not start: ", \$system.Status.GetErrorText(sc), ! do \$system.Process.Terminate(, 1) }
 // The audit client calls one class method of %SYS.System; %Developer lets a Native API session run it.
 if '##class(Security.Roles).Exists("ct_audit") {
   set sc = ##class(Security.Roles).Create("ct_audit", "ct's audit client: writes to the console log", "%Service_Bindings:U,%Development:U", "")
   if 'sc { write \$system.Status.GetErrorText(sc), ! do \$system.Process.Terminate(, 1) }
 }
 if '##class(Security.Users).Exists("${AUDIT_USER}") {
   set sc = ##class(Security.Users).Create("${AUDIT_USER}", "ct_audit,%Developer", "${AUDIT_PASSWORD}", "ct audit client", "", "", "", 0, 1)
   if 'sc { write \$system.Status.GetErrorText(sc), ! do \$system.Process.Terminate(, 1) }
 }
 if "${CT_PROFILE}" = "development" { do ##class(Security.Users).UnExpireUserPasswords("*") }
 halt
OBJECTSCRIPT
