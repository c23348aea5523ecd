import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../paths.js';
import { venvPython } from './python-env.js';

/** The project's own Python (it has venv and pip): the "system Python" the tests set the environment up with. */
export const projectPython = venvPython(path.join(projectRoot(), '.venv'));

/** A wheelhouse of one pure-Python wheel and a lock that pins it by sha256 (as the bundle's lock pins torch). */
export function buildWheelhouse(dir: string, version = '1.0'): string {
  fs.mkdirSync(dir, { recursive: true });
  const script = `
import base64, hashlib, sys, zipfile
out, version = sys.argv[1], sys.argv[2]
files = {"lathe_tinypkg/__init__.py": f"VALUE = {version!r}\\n".encode(),
         f"lathe_tinypkg-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\\nName: lathe_tinypkg\\nVersion: {version}\\n".encode(),
         f"lathe_tinypkg-{version}.dist-info/WHEEL": b"Wheel-Version: 1.0\\nGenerator: lathe-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}
h = lambda d: "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode()
record = "".join(f"{p},{h(d)},{len(d)}\\n" for p, d in files.items()) + f"lathe_tinypkg-{version}.dist-info/RECORD,,\\n"
wheel = f"{out}/lathe_tinypkg-{version}-py3-none-any.whl"
with zipfile.ZipFile(wheel, "w") as z:
    for p, d in files.items(): z.writestr(p, d)
    z.writestr(f"lathe_tinypkg-{version}.dist-info/RECORD", record)
print(wheel)`;
  for (const f of fs.readdirSync(dir)) if (f.endsWith('.whl')) fs.rmSync(path.join(dir, f));
  const wheel = execFileSync(projectPython, ['-c', script, dir, version], { encoding: 'utf8' }).trim();
  const digest = execFileSync('sha256sum', [wheel], { encoding: 'utf8' }).split(' ')[0];
  fs.writeFileSync(path.join(dir, 'requirements.lock'), `lathe-tinypkg==${version} \\\n    --hash=sha256:${digest}\n`);
  return wheel;
}

