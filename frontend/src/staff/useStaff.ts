import { useEffect, useState } from "react";
import { DEFAULT_CONFIG, loadConfig } from "../config";
import { identityHeaders } from "../identity";
import { OpsApi, type OpsConfig } from "./api";

/** Aya Ops' configuration when the caller is staff or admin, else null (the app then hides the Staff tab). */
export function useStaffConfig(): OpsConfig | null {
  const [config, setConfig] = useState<OpsConfig | null>(null);
  useEffect(() => {
    let live = true;
    void (async () => {
      const mode = (await loadConfig().catch(() => DEFAULT_CONFIG)).authMode;
      const ops = await new OpsApi(() => identityHeaders(mode)).config().catch(() => null);
      if (live) setConfig(ops);
    })();
    return () => {
      live = false;
    };
  }, []);
  return config;
}
