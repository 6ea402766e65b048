// Multipart uploads with progress: fetch cannot report upload progress, XMLHttpRequest can.
import { refresher } from "./client";

export interface UploadResult {
  status: number;
  body: unknown;
}

function send(
  path: string,
  form: FormData,
  token: string | null,
  onProgress: (fraction: number) => void,
): Promise<UploadResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => reject(new TypeError("network error"));
    xhr.send(form);
  });
}

/** Sends `form`; a 401 renews the token once and sends it again. Rejects on network failure. */
export async function upload(
  path: string,
  form: FormData,
  onProgress: (fraction: number) => void,
): Promise<UploadResult> {
  const first = await send(path, form, refresher.token, onProgress);
  if (first.status !== 401 || !refresher.token) return first;
  const renewed = await refresher.refresh();
  return renewed ? send(path, form, renewed, onProgress) : first;
}
