# Installs a released dbarch binary on Windows, no Rust needed:
#
#   powershell -ExecutionPolicy Bypass -c "irm https://github.com/dbarch/dbarch/releases/latest/download/install.ps1 | iex"
#
# Downloads dbarch-x86_64-pc-windows-msvc.zip (also used on Windows on Arm, under x64
# emulation) and its published SHA-256 checksum, refuses it when they do not match, and
# puts dbarch.exe in $env:DBARCH_INSTALL_DIR (default: ~\.dbarch\bin), which it adds to the
# user's PATH. The copy attached to a release installs that release; this file in the
# repository installs the latest. Environment: DBARCH_VERSION, DBARCH_INSTALL_DIR,
# DBARCH_REPO (owner/name), DBARCH_GITHUB_URL (default https://github.com).
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3

$version = if ($env:DBARCH_VERSION) { $env:DBARCH_VERSION } else { 'latest' }
$version = $version -replace '^v', ''
$repo = if ($env:DBARCH_REPO) { $env:DBARCH_REPO } else { 'dbarch/dbarch' }
$server = if ($env:DBARCH_GITHUB_URL) { $env:DBARCH_GITHUB_URL } else { 'https://github.com' }
$dest = if ($env:DBARCH_INSTALL_DIR) { $env:DBARCH_INSTALL_DIR } else { Join-Path $HOME '.dbarch\bin' }

$target = 'x86_64-pc-windows-msvc'
$asset = "dbarch-$target.zip"
if ($version -eq 'latest') {
    $url = "$server/$repo/releases/latest/download/$asset"
} else {
    $url = "$server/$repo/releases/download/v$version/$asset"
}
[Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls12

$tmp = Join-Path ([IO.Path]::GetTempPath()) ("dbarch-install-" + [Guid]::NewGuid())
New-Item -ItemType Directory -Path $tmp | Out-Null
try {
    Write-Host "dbarch-install: downloading $url"
    $zip = Join-Path $tmp $asset
    try {
        Invoke-WebRequest -UseBasicParsing -Uri "$url.sha256" -OutFile "$zip.sha256"
    } catch {
        throw "no dbarch release asset at $url.sha256 (is version '$version' released?)"
    }
    Invoke-WebRequest -UseBasicParsing -Uri $url -OutFile $zip
    $want = ((Get-Content -Raw "$zip.sha256").Trim() -split '\s+')[0].ToLowerInvariant()
    $got = (Get-FileHash -Algorithm SHA256 -LiteralPath $zip).Hash.ToLowerInvariant()
    if ($want.Length -ne 64) { throw "$url.sha256 is not a SHA-256 checksum file" }
    if ($got -ne $want) { throw "checksum mismatch for ${asset}: expected $want, got $got; nothing installed" }

    Expand-Archive -LiteralPath $zip -DestinationPath $tmp
    $exe = Join-Path $tmp "dbarch-$target\dbarch.exe"
    if (-not (Test-Path -LiteralPath $exe)) { throw "$asset does not hold dbarch-$target\dbarch.exe" }
    New-Item -ItemType Directory -Force -Path $dest | Out-Null
    Copy-Item -LiteralPath $exe -Destination (Join-Path $dest 'dbarch.exe') -Force
    $installed = & (Join-Path $dest 'dbarch.exe') --version
    Write-Host "dbarch-install: installed $installed to $dest\dbarch.exe"

    $userPath = [Environment]::GetEnvironmentVariable('Path', 'User')
    if (-not $userPath) { $userPath = '' }
    if (($userPath -split ';') -notcontains $dest) {
        $newPath = (@($dest, $userPath) | Where-Object { $_ }) -join ';'
        [Environment]::SetEnvironmentVariable('Path', $newPath, 'User')
        Write-Host "dbarch-install: added $dest to your user PATH (open a new terminal)"
    }
} finally {
    Remove-Item -Recurse -Force -LiteralPath $tmp -ErrorAction SilentlyContinue
}
