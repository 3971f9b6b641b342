Write-Host "hello"
