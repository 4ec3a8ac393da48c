# qap-watch-task.ps1 - keep `qap watch` running on a Windows PC, with Windows Task Scheduler.
#
# qap runs on Linux (and macOS), not on Windows itself, so on a Windows PC it runs inside WSL
# (Windows Subsystem for Linux). See docs/guide.md, "On a Windows PC: WSL and Task Scheduler".
#
# 1. Change the four settings below.
# 2. In PowerShell (as the Windows account that will run qap), from the qap folder:
#        powershell -ExecutionPolicy Bypass -File docs\qap-watch-task.ps1
# 3. Check it:   Get-ScheduledTask -TaskName "qap watch" | Get-ScheduledTaskInfo
#    Stop it (before a backup or restore):   Stop-ScheduledTask -TaskName "qap watch"
#    Start it again:                         Start-ScheduledTask -TaskName "qap watch"
#    Remove it:     Unregister-ScheduledTask -TaskName "qap watch" -Confirm:$false
#
# The task starts when this account signs in and keeps running while the PC is locked. If qap
# stops with an error, Task Scheduler starts it again after a minute.

# The WSL distribution qap is installed in (`wsl --list` shows the names).
$Distro = "Ubuntu"
# Where qap is installed inside WSL (inside WSL, `command -v qap` prints it).
$Qap = "/home/qap/venv/bin/qap"
# The workspace folder as WSL sees it (the folder holding qap.toml).
$Workspace = "/home/qap/qa-audits"
# The Windows account that runs the task (WSL is installed per account).
$Account = "$env:USERDOMAIN\$env:USERNAME"

# --poll 30: look at the inbox every 30 seconds. Changes made by Windows programs in a Windows
# folder are not announced to programs inside WSL, so polling is the reliable way.
$action = New-ScheduledTaskAction -Execute "wsl.exe" `
    -Argument "-d $Distro --exec $Qap --workspace $Workspace watch --poll 30"
$trigger = New-ScheduledTaskTrigger -AtLogOn -User $Account
$settings = New-ScheduledTaskSettingsSet `
    -ExecutionTimeLimit ([TimeSpan]::Zero) `
    -RestartCount 999 -RestartInterval (New-TimeSpan -Minutes 1) `
    -MultipleInstances IgnoreNew `
    -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries
$principal = New-ScheduledTaskPrincipal -UserId $Account -LogonType Interactive -RunLevel Limited

Register-ScheduledTask -TaskName "qap watch" -Action $action -Trigger $trigger `
    -Settings $settings -Principal $principal `
    -Description "qap: reads audit returns as they arrive in the inbox (qap watch, inside WSL)."
Start-ScheduledTask -TaskName "qap watch"
Get-ScheduledTask -TaskName "qap watch" | Get-ScheduledTaskInfo
